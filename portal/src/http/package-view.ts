// The API's view of a package: what callers may see of a stored record (downloads only for the sender and admins).
import type { PackageRecord, UserRecord } from '../store/records.js'

export type PackageView = Omit<PackageRecord, 'deliverTo' | 'externalEmails' | 'receiptIds' | 'forwardedBy'> & { downloadCount: number }

export function packageView (pkg: PackageRecord, viewer: UserRecord | undefined): PackageView {
  const { deliverTo: _d, externalEmails: _e, receiptIds: _r, forwardedBy: _f, downloads, ...rest } = pkg
  const mayAudit = viewer !== undefined && (viewer.role === 'admin' || viewer.id === pkg.senderId)
  const people = downloads.filter(d => !d.by.startsWith('node:'))
  return { ...rest, downloadCount: people.length, downloads: mayAudit ? people : [] }
}
