// Compiles the link emulator (link-emulator.c) with `cc` into bench/.work/, once per source version; the binary is never committed.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'

export const benchWorkDir = join(import.meta.dirname, '..', '.work')

/** Returns the path of a binary built from the current source, building it when missing. */
export function emulatorBinary (): string {
  const source = join(import.meta.dirname, 'link-emulator.c')
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12)
  mkdirSync(benchWorkDir, { recursive: true })
  const binary = join(benchWorkDir, `link-emulator-${digest}`)
  if (!existsSync(binary)) {
    const temporary = `${binary}.${process.pid}.tmp`
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', temporary, source], { stdio: ['ignore', 'inherit', 'inherit'] })
    renameSync(temporary, binary)
  }
  return binary
}
