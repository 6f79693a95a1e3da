// Parses human durations such as `7d`, `12h`, `30m`, `45s` (for --expires) into milliseconds.
import { UsageError } from './usage-error.js'

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

export function parseDurationMs (text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim())
  if (match === null) throw new UsageError(`${option} takes a duration such as 7d, 12h or 30m, not "${text}"`)
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!
  if (!(ms > 0)) throw new UsageError(`${option} must be longer than zero`)
  return ms
}
