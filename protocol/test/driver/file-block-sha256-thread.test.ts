// The sender's SHA-256 thread: digests equal node:crypto's for streams fed in pieces and interleaved, and closing it rejects what is still awaited.
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Sha256Thread, sharedBuffer } from '../../src/files/sha256-thread.js'

function shared (bytes: Buffer): Buffer {
  const b = sharedBuffer(bytes.length)
  bytes.copy(b)
  return b
}

describe('Sha256Thread', () => {
  let thread: Sha256Thread | undefined
  afterEach(async () => { await thread?.close() })

  it('hashes interleaved streams fed in pieces, as node:crypto does', async () => {
    thread = new Sha256Thread()
    const a = [randomBytes(1 << 20), randomBytes(12_345), randomBytes(0)]
    const b = [randomBytes(777), randomBytes(1 << 19)]
    const sa = thread.begin()
    const sb = thread.begin()
    const updates = [thread.update(sa, shared(a[0]!)), thread.update(sb, shared(b[0]!)), thread.update(sa, shared(a[1]!)), thread.update(sb, shared(b[1]!)), thread.update(sa, shared(a[2]!))]
    const [da, db] = await Promise.all([thread.end(sa), thread.end(sb), ...updates])
    expect(da).toEqual(createHash('sha256').update(Buffer.concat(a)).digest())
    expect(db).toEqual(createHash('sha256').update(Buffer.concat(b)).digest())
    // An empty stream is the empty digest.
    expect(await thread.end(thread.begin())).toEqual(createHash('sha256').digest())
  })

  it('hashes a view at an offset of its shared buffer, not the whole buffer', async () => {
    thread = new Sha256Thread()
    const whole = shared(randomBytes(4096))
    const s = thread.begin()
    await thread.update(s, whole.subarray(100, 1100))
    expect(await thread.end(s)).toEqual(createHash('sha256').update(whole.subarray(100, 1100)).digest())
  })

  it('refuses memory the thread cannot see, and rejects awaited work once closed', async () => {
    thread = new Sha256Thread()
    await expect(thread.update(thread.begin(), Buffer.alloc(10))).rejects.toThrow(TypeError)
    const s = thread.begin()
    const pending = expect(thread.end(s)).rejects.toThrow(/closed/)
    await thread.close()
    await pending
    await expect(thread.end(thread.begin())).rejects.toThrow(/closed/)
  })
})
