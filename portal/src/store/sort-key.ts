// Fixed-width time keys so LevelDB's lexicographic order is time order, newest first when inverted.

const WIDTH = 15
const MAX_MS = 999_999_999_999_999

/** Ascending: older times sort first. */
export function timeKey (ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(WIDTH, '0')
}

/** Descending: newer times sort first, so a forward scan with a limit reads the newest. */
export function reverseTimeKey (ms: number): string {
  return String(MAX_MS - Math.max(0, Math.floor(ms))).padStart(WIDTH, '0')
}
