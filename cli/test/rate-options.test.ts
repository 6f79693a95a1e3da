// The rate options every moving command shares: rates with suffixes, defaults, and refusals with usage errors.
import { describe, it, expect } from 'vitest'
import { parseBitsPerSec, rateSettingsFrom } from '../src/rate-options.js'

describe('rate options', () => {
  it('reads rates with suffixes and fills the defaults', () => {
    expect(parseBitsPerSec('500M', '--target-rate')).toBe(500e6)
    expect(parseBitsPerSec('1.5G', '--target-rate')).toBe(1.5e9)
    expect(rateSettingsFrom({})).toEqual({ policy: 'fair', targetBitsPerSec: 1e9, minBitsPerSec: 1e6 })
  })

  it('passes a known link rate on as the path rate the fast start begins at', () => {
    expect(rateSettingsFrom({ 'target-rate': '2G', 'link-rate': '100M' })).toEqual({ policy: 'fair', targetBitsPerSec: 2e9, minBitsPerSec: 1e6, pathBitsPerSec: 100e6 })
  })

  it('refuses what makes no sense, naming the option', () => {
    expect(() => rateSettingsFrom({ 'link-rate': 'fast' })).toThrow(/--link-rate/)
    expect(() => rateSettingsFrom({ 'link-rate': '0' })).toThrow(/--link-rate must be above zero/)
    expect(() => rateSettingsFrom({ 'min-rate': '2G', 'target-rate': '1G' })).toThrow(/--min-rate/)
    expect(() => rateSettingsFrom({ policy: 'greedy' })).toThrow(/--policy/)
  })
})
