// The sender's SHA-256 thread: digests equal node:crypto's for streams fed in pieces and interleaved, the bytes come back unchanged, and closing it rejects what is still awaited.
import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { Sha256Thread } from '../../src/files/sha256-thread.js'

/** A buffer that owns its whole ArrayBuffer (what the thread moves), holding a copy of `bytes`. */
function owning (bytes: Buffer): Buffer {
  return Buffer.from(new Uint8Array(bytes).buffer)
}

describe('Sha256Thread', () => {
  let thread: Sha256Thread | undefined
  afterEach(async () => { await thread?.close() })

  it('hashes interleaved streams fed in pieces, as node:crypto does, and hands each piece back unchanged', async () => {
    thread = new Sha256Thread()
    const a = [randomBytes(1 << 20), randomBytes(12_345), randomBytes(0)]
    const b = [randomBytes(777), randomBytes(1 << 19)]
    const sa = thread.begin()
    const sb = thread.begin()
    const sent = [[sa, a[0]!], [sb, b[0]!], [sa, a[1]!], [sb, b[1]!], [sa, a[2]!]] as const
    const updates = sent.map(([s, bytes]) => thread!.update(s, owning(bytes)))
    const [da, db] = await Promise.all([thread.end(sa), thread.end(sb)])
    expect(da).toEqual(createHash('sha256').update(Buffer.concat(a)).digest())
    expect(db).toEqual(createHash('sha256').update(Buffer.concat(b)).digest())
    const back = await Promise.all(updates)
    back.forEach((bytes, i) => expect(bytes.equals(sent[i]![1])).toBe(true))
    // An empty stream is the empty digest.
    expect(await thread.end(thread.begin())).toEqual(createHash('sha256').digest())
  })

  it('keeps the caller\'s bytes until the thread is up, then moves a whole buffer without a copy, and copies a view of a shared pool instead of taking the pool', async () => {
    thread = new Sha256Thread()
    const early = owning(randomBytes(4096))
    const s = thread.begin()
    expect(thread.online).toBe(false)
    expect(await thread.update(s, early)).toBe(early) // a copy went to the thread: the first blocks do not wait for it
    expect(early.buffer.byteLength).toBe(4096)
    for (let i = 0; i < 200 && !thread.online; i++) await new Promise(resolve => setTimeout(resolve, 10))
    expect(thread.online).toBe(true)
    const whole = owning(randomBytes(4096))
    const expected = Buffer.from(whole)
    const moved = thread.update(s, whole)
    expect(whole.buffer.byteLength).toBe(0) // moved to the thread
    expect((await moved).equals(expected)).toBe(true)
    const pooled = Buffer.from('a small buffer from the shared pool')
    const neighbour = Buffer.from('its neighbour in the pool')
    const back = await thread.update(s, pooled)
    expect(pooled.toString()).toBe('a small buffer from the shared pool')
    expect(neighbour.toString()).toBe('its neighbour in the pool')
    expect(back.equals(pooled)).toBe(true)
    expect(await thread.end(s)).toEqual(createHash('sha256').update(early).update(expected).update(pooled).digest())
  })

  it('rejects awaited work once closed', async () => {
    thread = new Sha256Thread()
    const s = thread.begin()
    const pending = expect(thread.end(s)).rejects.toThrow(/closed/)
    await thread.close()
    await pending
    await expect(thread.end(thread.begin())).rejects.toThrow(/closed/)
  })
})
