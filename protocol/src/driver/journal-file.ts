// Reads and atomically writes the receiver's resume journal: temp file, fsync, rename, fsync the folder (SPEC.md §9).
import { open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseJournal, serializeJournal, type ResumeJournal } from '../session/resume-journal.js'

/** Writes `journal` to `path` so that a crash leaves either the old or the new journal, never a torn one. */
export async function writeJournalFile (path: string, journal: ResumeJournal): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(serializeJournal(journal))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  const dir = await open(dirname(path), 'r')
  try { await dir.sync() } finally { await dir.close() }
}

/** The journal at `path`, or undefined when there is none. A damaged journal raises FERRY_PROTOCOL_JOURNAL. */
export async function readJournalFile (path: string): Promise<ResumeJournal | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return parseJournal(text)
}

export async function removeJournalFile (path: string): Promise<void> {
  await rm(path, { force: true })
  await rm(`${path}.tmp`, { force: true })
}
