// Checks a package's metadata against the fields its shared inbox defines: types, required fields, option lists.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { MetadataField } from '../store/records.js'

export type MetadataValues = Record<string, string | number | boolean>

/** Returns the metadata with values coerced to the field types; throws FERRY_PORTAL_METADATA_INVALID listing every problem. */
export function validateMetadata (fields: MetadataField[], values: MetadataValues): MetadataValues {
  const problems: string[] = []
  const out: MetadataValues = {}
  for (const field of fields) {
    const raw = values[field.name]
    if (raw === undefined || raw === '') {
      if (field.required) problems.push(`${field.name} is required`)
      continue
    }
    switch (field.type) {
      case 'string': out[field.name] = String(raw); break
      case 'number': {
        const n = typeof raw === 'number' ? raw : Number(raw)
        if (Number.isFinite(n)) out[field.name] = n; else problems.push(`${field.name} must be a number`)
        break
      }
      case 'boolean':
        if (raw === true || raw === 'true') out[field.name] = true
        else if (raw === false || raw === 'false') out[field.name] = false
        else problems.push(`${field.name} must be true or false`)
        break
      case 'date':
        if (typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(Date.parse(raw))) out[field.name] = raw
        else problems.push(`${field.name} must be an ISO date`)
        break
      case 'option':
        if ((field.options ?? []).includes(String(raw))) out[field.name] = String(raw)
        else problems.push(`${field.name} must be one of ${(field.options ?? []).join(', ')}`)
        break
    }
  }
  const known = new Set(fields.map(f => f.name))
  for (const name of Object.keys(values)) if (!known.has(name)) problems.push(`${name} is not a field of this inbox`)
  if (problems.length > 0) throw new FerryError('FERRY_PORTAL_METADATA_INVALID', `metadata: ${problems.join('; ')}`, { statusCode: 400, details: { problems } })
  return out
}
