// An exclusive lock file holding the owner's pid, so two `ferry download --new` runs (cron overlap) never fetch at once; stale locks are taken over.
import { open, readFile, rm, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { FerryError } from '@ferry/protocol'

export class LockFile {
  private constructor (readonly path: string) {}

  /** Takes the lock or throws FERRY_CLI_LOCKED naming the running owner. A lock whose pid is gone is stale and removed. */
  static async acquire (path: string): Promise<LockFile> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o600)
        await handle.writeFile(`${process.pid}\n`)
        await handle.close()
        return new LockFile(path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
          throw new FerryError('FERRY_CLI_LOCKED', `another ferry (pid ${pid}) is already downloading; it holds ${path}. Let it finish, or remove the file if that process is gone.`)
        }
        await rm(path, { force: true })
      }
    }
    throw new FerryError('FERRY_CLI_LOCKED', `could not take the lock ${path}; try again`)
  }

  async release (): Promise<void> {
    await rm(this.path, { force: true })
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
