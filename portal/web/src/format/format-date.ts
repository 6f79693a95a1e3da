// Dates as the reader's locale writes them; ms since the epoch in, text out, '–' for "none".

export function formatDate (atMs: number | undefined): string {
  if (atMs === undefined || atMs <= 0 || !Number.isFinite(atMs)) return '–'
  return new Date(atMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}
