// Upload rate and ETA: a sliding window over injected time, reset by pauses and restarts.
import { describe, expect, it } from 'vitest'
import { TransferMeter } from '../portal/web/src/upload/transfer-meter.js'
import { formatBytes, formatRate } from '../portal/web/src/format/format-bytes.js'
import { formatDuration } from '../portal/web/src/format/format-duration.js'

describe('TransferMeter', () => {
  it('measures a steady rate and the time left', () => {
    const meter = new TransferMeter(10_000_000, 5000)
    for (let t = 0; t <= 4000; t += 500) meter.update(t * 1000, t) // 1 MB/s
    const r = meter.read(4000)
    expect(r.rateBytesPerSec).toBeCloseTo(1_000_000, -3)
    expect(r.etaMs).toBeCloseTo(6000, -2)
  })

  it('follows a change of speed within the window', () => {
    const meter = new TransferMeter(100_000_000, 5000)
    let bytes = 0
    for (let t = 0; t <= 10_000; t += 100) { meter.update(bytes, t); bytes += 100_000 } // 1 MB/s
    for (let t = 10_100; t <= 20_000; t += 100) { meter.update(bytes, t); bytes += 10_000 } // 100 kB/s
    expect(meter.read(20_000).rateBytesPerSec).toBeLessThan(120_000)
  })

  it('has no ETA before a rate exists, and 0 when done', () => {
    const meter = new TransferMeter(1000)
    expect(meter.read(0).etaMs).toBeUndefined()
    meter.update(0, 0)
    expect(meter.read(0).etaMs).toBeUndefined()
    meter.update(1000, 10)
    expect(meter.read(10).etaMs).toBe(0)
    expect(new TransferMeter(0).read(0).etaMs).toBe(0)
  })

  it('forgets the window after a pause but keeps the bytes', () => {
    const meter = new TransferMeter(1000, 5000)
    meter.update(0, 0)
    meter.update(500, 1000)
    meter.restartWindow()
    meter.update(600, 60_000)
    expect(meter.read(60_000)).toMatchObject({ bytesDone: 600, rateBytesPerSec: 0 })
    meter.update(700, 61_000)
    expect(meter.read(61_000).rateBytesPerSec).toBeCloseTo(100)
  })
})

describe('formatting', () => {
  it('writes sizes, rates and durations', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatRate(125_000_000)).toBe('1.00 Gbit/s')
    expect(formatRate(0)).toBe('–')
    expect(formatDuration(undefined)).toBe('–')
    expect(formatDuration(45_000)).toBe('45 s')
    expect(formatDuration(200_000)).toBe('3 min 20 s')
    expect(formatDuration(7_500_000)).toBe('2 h 5 min')
  })
})
