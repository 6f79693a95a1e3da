// RangeSet against a bitmap model: adds, removes, coverage, gaps and contiguous ends agree for random operations.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { RangeSet } from '../../src/wire/range-set.js'

describe('RangeSet', () => {
  it('matches a bitmap model (property)', () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 }))
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), ops => {
      const set = new RangeSet()
      const model = new Uint8Array(256)
      for (const [add, start, len] of ops) {
        if (add) {
          const before = model.reduce((n, b) => n + b, 0)
          model.fill(1, start, start + len)
          expect(set.add(start, start + len)).toBe(model.reduce((n, b) => n + b, 0) - before)
        } else {
          set.remove(start, start + len)
          model.fill(0, start, start + len)
        }
      }
      expect(set.sizeBytes).toBe(model.reduce((n, b) => n + b, 0))
      const fromModel: Array<[number, number]> = []
      for (let i = 0; i < model.length; i++) if (model[i] === 1) { const s = i; while (model[i] === 1) i++; fromModel.push([s, i]) }
      expect(set.toJSON()).toEqual(fromModel)
      expect([...set.gapsWithin(0, 256)].reduce((n, [s, e]) => n + e - s, 0)).toBe(256 - set.sizeBytes)
      let contiguous = 0
      while (model[contiguous] === 1) contiguous++
      expect(set.contiguousEnd(0)).toBe(contiguous)
      expect(set.covers(10, 20)).toBe(model.subarray(10, 20).every(b => b === 1))
    }), { numRuns: 500 })
  })
})
