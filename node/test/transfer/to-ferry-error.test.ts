// A failure during a transfer reaches the client with the node's code: a full disk, however the driver saw it, is FERRY_NODE_DISK_FULL.
import { describe, it, expect } from 'vitest'
import { FerryError } from '@ferry/protocol'
import { toFerryError } from '../../src/transfer/transfer-service.js'

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, write`), { code })

describe('toFerryError', () => {
  it('names a full disk FERRY_NODE_DISK_FULL (507) from an errno, the driver\'s code or a failed write naming ENOSPC/EDQUOT', () => {
    const fullDisks = [
      errno('ENOSPC'),
      errno('EDQUOT'),
      new FerryError('FERRY_PROTOCOL_DISK_FULL', 'the receiver\'s disk is full'),
      new FerryError('FERRY_PROTOCOL_SINK_WRITE', 'writing a.bin failed: ENOSPC: no space left on device, write'),
      new FerryError('FERRY_PROTOCOL_JOURNAL', 'writing the resume journal failed: EDQUOT: disk quota exceeded, write')
    ]
    for (const err of fullDisks) {
      const e = toFerryError(err)
      expect(e.code).toBe('FERRY_NODE_DISK_FULL')
      expect(e.statusCode).toBe(507)
      expect(e.cause).toBe(err)
    }
  })

  it('passes other coded errors through and names cancellations and the rest', () => {
    const integrity = new FerryError('FERRY_PROTOCOL_INTEGRITY', 'SHA-256 mismatch')
    expect(toFerryError(integrity)).toBe(integrity)
    expect(toFerryError(Object.assign(new Error('cancelled'), { name: 'AbortError' })).code).toBe('FERRY_NODE_TRANSFER_CANCELLED')
    expect(toFerryError(errno('EIO')).code).toBe('FERRY_NODE_INTERNAL')
  })
})
