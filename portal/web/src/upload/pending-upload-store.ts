// Remembers unfinished browser uploads in localStorage, so after a reload the page offers to resume them.
// tus-js-client keeps each file's upload URL itself (by fingerprint); this store keeps the package-level picture.

export interface PendingUpload {
  packageId: string
  title: string
  /** Every file of the package, to match a re-picked folder against what was being sent. */
  files: Array<{ path: string, sizeBytes: number, lastModifiedMs: number }>
  /** Paths whose upload finished (their tus fingerprint is gone, so only this says they need no resend). */
  donePaths: string[]
  startedAtMs: number
}

const storageKey = 'ferry.pending-uploads'

export class PendingUploadStore {
  constructor (private readonly storage: Pick<Storage, 'getItem' | 'setItem'>) {}

  list (): PendingUpload[] {
    try {
      const parsed = JSON.parse(this.storage.getItem(storageKey) ?? '[]') as unknown
      return Array.isArray(parsed) ? parsed as PendingUpload[] : []
    } catch {
      return []
    }
  }

  get (packageId: string): PendingUpload | undefined {
    return this.list().find(p => p.packageId === packageId)
  }

  save (upload: PendingUpload): void {
    this.write([...this.list().filter(p => p.packageId !== upload.packageId), upload])
  }

  markDone (packageId: string, path: string): void {
    const upload = this.get(packageId)
    if (upload === undefined || upload.donePaths.includes(path)) return
    this.save({ ...upload, donePaths: [...upload.donePaths, path] })
  }

  remove (packageId: string): void {
    this.write(this.list().filter(p => p.packageId !== packageId))
  }

  private write (list: PendingUpload[]): void {
    this.storage.setItem(storageKey, JSON.stringify(list))
  }
}
