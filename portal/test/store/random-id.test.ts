// Random ids: base64url of the asked entropy, and never starting with '-', which a command line would read as an option (`ferry package show <id>` failed with a usage error for 1 id in 64).
import { describe, expect, it } from 'vitest'
import { randomId } from '../../src/store/random-id.js'

describe('randomId', () => {
  it('gives base64url ids of the asked entropy, none starting with "-"', () => {
    const ids = Array.from({ length: 20_000 }, () => randomId())
    expect(ids.every(id => /^[A-Za-z0-9_][A-Za-z0-9_-]{15}$/.test(id))).toBe(true) // 12 bytes: 16 characters
    expect(new Set(ids).size).toBe(ids.length)
    expect(randomId(32)).toHaveLength(43)
  })
})
