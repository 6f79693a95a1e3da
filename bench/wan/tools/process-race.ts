// Waits for a client process with a deadline: on expiry it is stopped and the caller learns it timed out.
import type { NamespaceProcess, ProcessOutcome } from '../namespace-process.js'

export async function outcomeWithin (process: NamespaceProcess, timeoutMs: number): Promise<{ outcome: ProcessOutcome, timedOut: boolean }> {
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; process.kill('SIGTERM') }, timeoutMs)
  try {
    return { outcome: await process.outcome, timedOut }
  } finally {
    clearTimeout(timer)
  }
}
