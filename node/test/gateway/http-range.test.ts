// Range headers become one byte range, a full answer, or 416, as RFC 9110 says.
import { describe, it, expect } from 'vitest'
import { parseRangeHeader } from '../../src/gateway/http-range.js'

describe('parseRangeHeader', () => {
  it('reads first-last, open-ended and suffix ranges', () => {
    expect(parseRangeHeader('bytes=0-9', 100)).toEqual({ kind: 'partial', startBytes: 0, endBytes: 10 })
    expect(parseRangeHeader('bytes=90-', 100)).toEqual({ kind: 'partial', startBytes: 90, endBytes: 100 })
    expect(parseRangeHeader('bytes=90-500', 100)).toEqual({ kind: 'partial', startBytes: 90, endBytes: 100 })
    expect(parseRangeHeader('bytes=-10', 100)).toEqual({ kind: 'partial', startBytes: 90, endBytes: 100 })
    expect(parseRangeHeader('bytes=-500', 100)).toEqual({ kind: 'partial', startBytes: 0, endBytes: 100 })
  })

  it('answers 416 for ranges past the end, suffix 0 and any range of an empty body', () => {
    expect(parseRangeHeader('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRangeHeader('bytes=100-200', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRangeHeader('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRangeHeader('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
  })

  it('ignores what it does not understand (full answer)', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=5-1', 'bytes=0-1,3-4', 'bytes=-', 'bytes=a-b', 'bytes=99999999999999999999-']) {
      expect(parseRangeHeader(header, 100)).toEqual({ kind: 'full' })
    }
  })
})
