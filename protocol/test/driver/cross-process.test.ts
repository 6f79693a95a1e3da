// Two processes over real UDP: a plain transfer, then kill -9 of the receiver and of the sender mid-transfer, each resumed to a verified end.
import { describe, it, expect, afterEach } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { UdpEndpoint, type SendFile, type TransferResult } from '../../src/driver/index.js'

const root = join(import.meta.dirname, '../../..')
const children: ChildProcess[] = []
const dirs: string[] = []
const endpoints: UdpEndpoint[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  await Promise.all(endpoints.splice(0).map(e => e.close()))
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir (): string { const d = mkdtempSync(join(tmpdir(), 'ferry-xproc-')); dirs.push(d); return d }

interface Child { proc: ChildProcess, port: Promise<number>, lines: Array<Record<string, unknown>>, done: Promise<Record<string, unknown>> }

function startChild (args: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'protocol/test/driver/transfer-child.ts'), JSON.stringify(args)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(proc)
  const lines: Array<Record<string, unknown>> = []
  let portResolve: (n: number) => void = () => {}
  let doneResolve: (v: Record<string, unknown>) => void = () => {}
  const port = new Promise<number>(resolve => { portResolve = resolve })
  const done = new Promise<Record<string, unknown>>(resolve => { doneResolve = resolve })
  createInterface({ input: proc.stdout! }).on('line', line => {
    const msg = JSON.parse(line) as Record<string, unknown>
    lines.push(msg)
    if (typeof msg.port === 'number') portResolve(msg.port)
    if ('result' in msg || 'error' in msg) doneResolve(msg)
  })
  proc.on('exit', () => doneResolve({ exited: true }))
  return { proc, port, lines, done }
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

function makeFiles (dir: string, bigBytes: number): SendFile[] {
  const out: SendFile[] = []
  for (const [rel, size] of [['empty', 0], ['small.txt', 3000], ['big.bin', bigBytes]] as const) {
    writeFileSync(join(dir, rel), randomBytes(size))
    out.push({ relativePath: rel, absolutePath: join(dir, rel), sizeBytes: size })
  }
  return out
}

/** Bytes the journal at `path` says are held (0 while there is none or it is being replaced). */
function journaledBytes (path: string): number {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { receivedRanges: Array<[number, number]> }
    return j.receivedRanges.reduce((n, [s, e]) => n + e - s, 0)
  } catch (_) {
    return 0
  }
}

async function waitFor (check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('driver across processes', () => {
  it('survives kill -9 of the receiver: the restarted receiver resumes from its journal and the sender resends only what is missing', async () => {
    const src = tempDir()
    const dst = tempDir()
    const files = makeFiles(src, 24 * 1024 * 1024)
    const journalPath = join(dst, 'transfer.journal')
    const secret = randomBytes(32)
    const sender = await UdpEndpoint.bind()
    endpoints.push(sender)

    const first = startChild({ mode: 'receive', connectionId: 'aaaaaaaaaaaaaaa1', secretHex: secret.toString('hex'), destinationDir: dst, journalPath })
    const sending = sender.send({ connectionId: 'aaaaaaaaaaaaaaa1', secret, role: 'initiator', remote: { host: '127.0.0.1', port: await first.port }, files, idleTimeoutMs: 4000, rate: { policy: 'fixed', targetBitsPerSec: 60e6, minBitsPerSec: 1e6 } })
    const failed = sending.then(() => 'completed', (err: { code: string }) => err.code)
    await waitFor(() => journaledBytes(journalPath) > 8 * 1024 * 1024, 90_000)
    first.proc.kill('SIGKILL')
    expect(await failed).toBe('FERRY_PROTOCOL_IDLE_TIMEOUT')

    const second = startChild({ mode: 'receive', connectionId: 'aaaaaaaaaaaaaaa2', secretHex: secret.toString('hex'), destinationDir: dst, journalPath })
    const resent = await sender.send({ connectionId: 'aaaaaaaaaaaaaaa2', secret, role: 'initiator', remote: { host: '127.0.0.1', port: await second.port }, files, rate: { policy: 'fixed', targetBitsPerSec: 200e6, minBitsPerSec: 1e6 } })
    const outcome = await second.done
    expect(outcome.result).toBeDefined()
    for (const f of files) expect(sha(readFileSync(join(dst, f.relativePath)))).toBe(sha(readFileSync(f.absolutePath!)))
    expect((outcome.result as TransferResult).files.map(f => f.sha256)).toEqual(resent.files.map(f => f.sha256))
    // Only what the journal did not hold was sent again.
    expect(resent.payloadBytesSent!).toBeLessThan(24 * 1024 * 1024 - 7 * 1024 * 1024)
    expect(existsSync(journalPath)).toBe(false)
  }, 240_000)

  it('survives kill -9 of the sender: a new sender process completes the transfer into the same journal', async () => {
    const src = tempDir()
    const dst = tempDir()
    const files = makeFiles(src, 16 * 1024 * 1024)
    const journalPath = join(dst, 'transfer.journal')
    const secret = randomBytes(32)
    const receiver = await UdpEndpoint.bind()
    endpoints.push(receiver)
    const args = { mode: 'send', secretHex: secret.toString('hex'), files, remotePort: receiver.port }

    const first = startChild({ ...args, connectionId: 'bbbbbbbbbbbbbbb1', rateBitsPerSec: 40e6 })
    await first.port
    const progress: number[] = []
    const receiving = receiver.receive({ connectionId: 'bbbbbbbbbbbbbbb1', secret, role: 'responder', destinationDir: dst, journalPath, idleTimeoutMs: 4000, onProgress: p => progress.push(p.bytesDone), progressIntervalMs: 50 })
    const failed = receiving.then(() => 'completed', (err: { code: string }) => err.code)
    await waitFor(() => journaledBytes(journalPath) > 6 * 1024 * 1024, 90_000)
    first.proc.kill('SIGKILL')
    expect(await failed).toBe('FERRY_PROTOCOL_IDLE_TIMEOUT')

    const second = startChild({ ...args, connectionId: 'bbbbbbbbbbbbbbb2' })
    await second.port
    const result = await receiver.receive({ connectionId: 'bbbbbbbbbbbbbbb2', secret, role: 'responder', destinationDir: dst, journalPath })
    const sent = await second.done
    expect(sent.result).toBeDefined()
    for (const f of files) expect(sha(readFileSync(join(dst, f.relativePath)))).toBe(sha(readFileSync(f.absolutePath!)))
    expect(result.files.map(f => f.sha256)).toEqual((sent.result as TransferResult).files.map(f => f.sha256))
    expect((sent.result as TransferResult).payloadBytesSent!).toBeLessThan(16 * 1024 * 1024 - 5 * 1024 * 1024)
  }, 240_000)
})
