// Deferred work (webhook retries, sweeps) behind an interface, so tests run it by hand instead of waiting.

export interface Scheduler {
  /** Runs `task` after `delayMs`; the returned function cancels it. */
  schedule: (delayMs: number, task: () => void) => () => void
}

export const timerScheduler: Scheduler = {
  schedule (delayMs, task) {
    const handle = setTimeout(task, delayMs)
    handle.unref()
    return () => clearTimeout(handle)
  }
}

/** Collects tasks; `runDue(nowMs)` runs those whose time has come. */
export class ManualScheduler implements Scheduler {
  private tasks: Array<{ atMs: number, task: () => void, cancelled: boolean }> = []
  constructor (private readonly nowMs: () => number) {}

  schedule (delayMs: number, task: () => void): () => void {
    const entry = { atMs: this.nowMs() + delayMs, task, cancelled: false }
    this.tasks.push(entry)
    return () => { entry.cancelled = true }
  }

  get pending (): number { return this.tasks.filter(t => !t.cancelled).length }

  runDue (): number {
    const now = this.nowMs()
    const due = this.tasks.filter(t => !t.cancelled && t.atMs <= now)
    this.tasks = this.tasks.filter(t => !t.cancelled && t.atMs > now)
    for (const t of due) t.task()
    return due.length
  }
}
