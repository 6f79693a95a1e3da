// Human-readable byte counts and rates in binary units (KiB, MiB, …), as people read file sizes.

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function formatBytes (sizeBytes: number): string {
  if (!Number.isFinite(sizeBytes) || sizeBytes < 0) return '–'
  let value = sizeBytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** A transfer rate from bytes per second, shown in bits per second as networks are (Mbit/s). */
export function formatRate (bytesPerSec: number): string {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) return '–'
  const bits = bytesPerSec * 8
  if (bits >= 1e9) return `${(bits / 1e9).toFixed(2)} Gbit/s`
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(1)} Mbit/s`
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(0)} kbit/s`
  return `${Math.round(bits)} bit/s`
}
