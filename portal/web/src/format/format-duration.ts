// Remaining-time text for an ETA: "45 s", "3 min 20 s", "2 h 5 min"; unknown shows as a dash.

export function formatDuration (durationMs: number | undefined): string {
  if (durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0) return '–'
  const totalSec = Math.ceil(durationMs / 1000)
  if (totalSec < 60) return `${totalSec} s`
  const min = Math.floor(totalSec / 60)
  if (min < 60) return `${min} min ${totalSec % 60} s`
  return `${Math.floor(min / 60)} h ${min % 60} min`
}
