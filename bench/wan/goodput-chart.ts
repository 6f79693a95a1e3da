// Draws the WAN matrix as an SVG: goodput against loss, one panel per RTT, one line per tool, with the link's ideal capacity × (1 − loss) dashed.
import type { WanResult } from './wan-results.js'

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f']
const panelWidth = 260
const panelHeight = 230
const margin = { left: 46, right: 12, top: 34, bottom: 40 }

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Returns the SVG text; rows of several capacities are drawn against the largest one. */
export function goodputChart (rows: WanResult[], title: string): string {
  const rtts = [...new Set(rows.map(r => r.rttMs))].sort((a, b) => a - b)
  const losses = [...new Set(rows.map(r => r.lossPct))].sort((a, b) => a - b)
  const tools = [...new Set(rows.map(r => r.tool))].sort()
  const capacity = Math.max(...rows.map(r => r.capacityMbps), 1)
  const legendHeight = 22 + 16 * Math.ceil(tools.length / 4)
  const width = Math.max(1, rtts.length) * panelWidth
  const height = panelHeight + legendHeight + 24
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escape(title)}</text>`
  ]
  const plotW = panelWidth - margin.left - margin.right
  const plotH = panelHeight - margin.top - margin.bottom
  const x = (loss: number): number => losses.length <= 1 ? plotW / 2 : losses.indexOf(loss) / (losses.length - 1) * plotW
  const y = (mbps: number): number => plotH - Math.min(mbps, capacity * 1.05) / (capacity * 1.05) * plotH
  rtts.forEach((rtt, panel) => {
    const ox = panel * panelWidth + margin.left
    const oy = 20 + margin.top
    out.push(`<g transform="translate(${ox},${oy})">`)
    out.push(`<text x="${plotW / 2}" y="-8" text-anchor="middle" font-weight="bold">RTT ${rtt} ms</text>`)
    out.push(`<rect width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`)
    for (let tick = 0; tick <= 4; tick++) {
      const mbps = capacity * tick / 4
      out.push(`<line x1="0" x2="${plotW}" y1="${y(mbps)}" y2="${y(mbps)}" stroke="#eee"/>`)
      out.push(`<text x="-4" y="${y(mbps) + 4}" text-anchor="end">${Math.round(mbps)}</text>`)
    }
    for (const loss of losses) out.push(`<text x="${x(loss)}" y="${plotH + 14}" text-anchor="middle">${loss}</text>`)
    out.push(`<text x="${plotW / 2}" y="${plotH + 30}" text-anchor="middle">loss %</text>`)
    if (panel === 0) out.push(`<text transform="translate(-34,${plotH / 2}) rotate(-90)" text-anchor="middle">goodput Mbit/s</text>`)
    const ideal = losses.map(l => `${x(l)},${y(capacity * (1 - l / 100))}`).join(' ')
    out.push(`<polyline points="${ideal}" fill="none" stroke="#555" stroke-dasharray="4 3"/>`)
    tools.forEach((tool, index) => {
      const colour = palette[index % palette.length]
      const points = rows.filter(r => r.tool === tool && r.rttMs === rtt).sort((a, b) => a.lossPct - b.lossPct)
      if (points.length > 1) out.push(`<polyline points="${points.map(p => `${x(p.lossPct)},${y(p.goodputMbps)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="1.6"/>`)
      for (const p of points) {
        // a hollow marker: the transfer was stopped at the time limit or failed its checksum
        const whole = p.completed && p.sha256ok !== false
        out.push(`<circle cx="${x(p.lossPct)}" cy="${y(p.goodputMbps)}" r="3" fill="${whole ? colour : 'white'}" stroke="${colour}"><title>${escape(`${tool}: ${p.goodputMbps} Mbit/s`)}</title></circle>`)
      }
    })
    out.push('</g>')
  })
  const legendY = 20 + panelHeight + 8
  tools.forEach((tool, index) => {
    const lx = 20 + (index % 4) * 200
    const ly = legendY + Math.floor(index / 4) * 16
    out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${palette[index % palette.length]}" stroke-width="2"/><text x="${lx + 26}" y="${ly + 4}">${escape(tool)}</text>`)
  })
  const lx = 20 + (tools.length % 4) * 200
  const ly = legendY + Math.floor(tools.length / 4) * 16
  out.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="#555" stroke-dasharray="4 3"/><text x="${lx + 26}" y="${ly + 4}">capacity × (1 − loss); hollow = stopped or bad checksum</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}
