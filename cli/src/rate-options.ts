// The transfer options every moving command takes (--target-rate, --min-rate, --link-rate, --policy), parsed into protocol RateSettings.
import type { RatePolicy, RateSettings } from '@ferry/protocol/congestion/rate-controller'
import { UsageError } from './usage-error.js'

export const RATE_OPTIONS = {
  'target-rate': { type: 'string' },
  'min-rate': { type: 'string' },
  'link-rate': { type: 'string' },
  policy: { type: 'string' }
} as const

export const RATE_USAGE = `Transfer options:
  --target-rate RATE   the rate to aim for, in bits/s with k/M/G suffix (e.g. 500M, 1G); default 1G
  --min-rate RATE      never pace below this rate (bits/s, e.g. 10M); default 1M
  --link-rate RATE     the path's capacity, if you know it (bits/s): the transfer starts there instead of probing up
  --policy POLICY      fixed | high | fair | low (low yields to other traffic); default fair`

/** Default target when none is given: high enough not to limit a LAN, the controller finds the path's real rate. */
export const DEFAULT_TARGET_BITS_PER_SEC = 1_000_000_000
/** Default floor (bits/s): the rate controller needs a positive minimum; 1 Mbit/s keeps a transfer alive on any path. */
export const DEFAULT_MIN_BITS_PER_SEC = 1_000_000

const POLICIES: RatePolicy[] = ['fixed', 'high', 'fair', 'low']
const SUFFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }

/** `500M`, `1.5G`, `800k`, `1000000`, optionally followed by `bps` or `bit/s`, into bits per second. */
export function parseBitsPerSec (text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:bps|bit\/s|b\/s|bits\/s)?$/i.exec(text.trim())
  if (match === null) throw new UsageError(`${option} takes a rate in bits/s such as 100M or 1G, not "${text}"`)
  return Math.round(Number(match[1]) * SUFFIX[match[2]!.toLowerCase()]!)
}

export function formatBitsPerSec (bitsPerSec: number): string {
  if (bitsPerSec >= 1e9) return `${(bitsPerSec / 1e9).toFixed(2)} Gbit/s`
  if (bitsPerSec >= 1e6) return `${(bitsPerSec / 1e6).toFixed(1)} Mbit/s`
  if (bitsPerSec >= 1e3) return `${(bitsPerSec / 1e3).toFixed(0)} kbit/s`
  return `${Math.round(bitsPerSec)} bit/s`
}

/** Builds RateSettings from parsed option values; absent values take the defaults. */
export function rateSettingsFrom (values: { 'target-rate'?: string, 'min-rate'?: string, 'link-rate'?: string, policy?: string }): RateSettings {
  const policy = (values.policy ?? 'fair') as RatePolicy
  if (!POLICIES.includes(policy)) throw new UsageError(`--policy takes one of ${POLICIES.join(', ')}, not "${values.policy}"`)
  const targetBitsPerSec = values['target-rate'] === undefined ? DEFAULT_TARGET_BITS_PER_SEC : parseBitsPerSec(values['target-rate'], '--target-rate')
  const minBitsPerSec = values['min-rate'] === undefined ? Math.min(DEFAULT_MIN_BITS_PER_SEC, targetBitsPerSec) : parseBitsPerSec(values['min-rate'], '--min-rate')
  if (minBitsPerSec <= 0) throw new UsageError('--min-rate must be above zero')
  if (targetBitsPerSec <= 0) throw new UsageError('--target-rate must be above zero')
  if (minBitsPerSec > targetBitsPerSec) throw new UsageError(`--min-rate (${formatBitsPerSec(minBitsPerSec)}) is above --target-rate (${formatBitsPerSec(targetBitsPerSec)}); lower it or raise the target`)
  if (values['link-rate'] === undefined) return { policy, targetBitsPerSec, minBitsPerSec }
  const pathBitsPerSec = parseBitsPerSec(values['link-rate'], '--link-rate')
  if (pathBitsPerSec <= 0) throw new UsageError('--link-rate must be above zero')
  return { policy, targetBitsPerSec, minBitsPerSec, pathBitsPerSec }
}

/** True when the user gave any rate option (so a command knows whether to send them at all). */
export function hasRateOptions (values: Record<string, unknown>): boolean {
  return values['target-rate'] !== undefined || values['min-rate'] !== undefined || values['link-rate'] !== undefined || values.policy !== undefined
}
