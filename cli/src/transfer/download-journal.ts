// Where the UDP driver keeps the resume journal of one package's download into one folder (in the CLI's state folder).
import { createHash } from 'node:crypto'
import { join } from 'node:path'

export function downloadJournalPath (stateDir: string, pkg: string, destinationDir: string): string {
  const key = createHash('sha256').update(`${pkg}\0${destinationDir}`).digest('hex').slice(0, 24)
  return join(stateDir, `udp-download-${key}.journal`)
}
