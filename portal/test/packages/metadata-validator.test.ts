// Metadata against inbox fields: coercion to each type, required fields, option lists, unknown names.
import { describe, it, expect } from 'vitest'
import { validateMetadata } from '../../src/packages/metadata-validator.js'
import type { MetadataField } from '../../src/store/records.js'

const fields: MetadataField[] = [
  { name: 'ref', type: 'string', required: true },
  { name: 'count', type: 'number', required: false },
  { name: 'urgent', type: 'boolean', required: false },
  { name: 'due', type: 'date', required: false },
  { name: 'kind', type: 'option', required: false, options: ['a', 'b'] }
]

describe('validateMetadata', () => {
  it('coerces values to their field types', () => {
    expect(validateMetadata(fields, { ref: 'R1', count: '3', urgent: 'true', due: '2026-12-01', kind: 'b' }))
      .toEqual({ ref: 'R1', count: 3, urgent: true, due: '2026-12-01', kind: 'b' })
  })

  it('lists every problem at once with a stable code', () => {
    try {
      validateMetadata(fields, { count: 'x', urgent: 'maybe', due: 'soon', kind: 'c', extra: 1 })
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({ code: 'FERRY_PORTAL_METADATA_INVALID', statusCode: 400 })
      expect((err as { details: { problems: string[] } }).details.problems).toEqual([
        'ref is required', 'count must be a number', 'urgent must be true or false', 'due must be an ISO date', 'kind must be one of a, b', 'extra is not a field of this inbox'
      ])
    }
  })
})
