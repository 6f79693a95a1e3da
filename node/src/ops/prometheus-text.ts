// Renders metric samples in the Prometheus text exposition format (version 0.0.4) for GET /metrics.

export interface MetricSample {
  name: string
  help: string
  type: 'gauge' | 'counter'
  value: number
  labels?: Record<string, string>
}

function escapeLabel (v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

/** One HELP/TYPE header per metric name, then its samples, in first-seen order. */
export function prometheusText (samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>()
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s])
  const lines: string[] = []
  for (const [name, group] of byName) {
    lines.push(`# HELP ${name} ${group[0].help}`, `# TYPE ${name} ${group[0].type}`)
    for (const s of group) {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')
      lines.push(`${name}${labels === '' ? '' : `{${labels}}`} ${Number.isFinite(s.value) ? s.value : 0}`)
    }
  }
  return lines.join('\n') + '\n'
}
