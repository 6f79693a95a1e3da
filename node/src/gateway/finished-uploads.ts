// Remembers uploads that just finished, so a client that lost the last response (page closed, link dropped) learns on HEAD that it is done.
import type { UploadRecord } from './gateway-store.js'

/** Most finished uploads remembered at once; a browser resumes within minutes, and older ones fall back to the manifest. */
export const MAX_FINISHED_UPLOADS = 10_000

/**
 * In memory only: after a restart a finished upload's URL answers 404 and the client should look at
 * GET /gateway/v1/packages/:pkg/manifest, where the file shows as complete.
 */
export class FinishedUploads {
  private readonly records = new Map<string, { record: UploadRecord, untilMs: number }>()

  remember (record: UploadRecord, untilMs: number): void {
    this.records.delete(record.id)
    this.records.set(record.id, { record, untilMs })
    // Oldest first in a Map: drop from the front when over the cap.
    for (const id of this.records.keys()) {
      if (this.records.size <= MAX_FINISHED_UPLOADS) break
      this.records.delete(id)
    }
  }

  get (id: string, nowMs: number): UploadRecord | undefined {
    const found = this.records.get(id)
    if (found === undefined) return undefined
    if (found.untilMs <= nowMs) {
      this.records.delete(id)
      return undefined
    }
    return found.record
  }
}
