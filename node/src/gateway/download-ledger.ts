// Which files each download token has been served to the last byte, so the browser can fetch a download receipt for the portal.
import type { ReceiptFile } from '@ferry/protocol/token/transfer-receipt'

/** In memory until the token expires (≤ 60 min): a receipt is asked for right after the download, not days later. */
export class DownloadLedger {
  private readonly served = new Map<string, { expMs: number, files: Map<string, ReceiptFile> }>()

  record (jti: string, expMs: number, files: readonly ReceiptFile[]): void {
    const entry = this.served.get(jti) ?? { expMs, files: new Map<string, ReceiptFile>() }
    for (const file of files) entry.files.set(file.path, file)
    this.served.set(jti, entry)
  }

  /** Files served whole with this token, sorted by path; empty when none yet. */
  files (jti: string): ReceiptFile[] {
    return [...(this.served.get(jti)?.files.values() ?? [])].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  }

  prune (nowMs: number): void {
    for (const [jti, entry] of this.served) if (entry.expMs < nowMs) this.served.delete(jti)
  }
}
