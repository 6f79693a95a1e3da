// `npm run bench`: runs every benchmark one after another (each prints its own JSON and writes its own results), and says which failed.
// Pass --quick for the short variants where a benchmark has them; the full matrix of each is its own `npm run bench:<name>`.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const quick = process.argv.includes('--quick')

/** Each benchmark, in the order that costs least to stop early: pure simulation first, real networks last. */
const benches: Array<{ name: string, args: string[] }> = [
  { name: 'sim', args: ['--json', ...(quick ? ['--quick'] : [])] },
  { name: 'loopback', args: ['--json', ...(quick ? ['--bytes', String(256 * 1024 * 1024)] : [])] },
  { name: 'portal', args: ['--json', ...(quick ? ['--packages', '20000', '--duration', '5'] : [])] },
  { name: 'mesh', args: ['--json', ...(quick ? ['--nodes', '10'] : [])] },
  { name: 'wan', args: ['--json'] }
]

const failed: string[] = []
for (const bench of benches) {
  process.stderr.write(`\nbench: ${bench.name} ${bench.args.join(' ')}\n`)
  const result = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'bench', bench.name, 'run.ts'), ...bench.args], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) failed.push(`${bench.name} (exit ${result.status ?? result.signal})`)
}
process.stderr.write(failed.length === 0 ? '\nbench: all benchmarks ran\n' : `\nbench: failed: ${failed.join(', ')}\n`)
process.exitCode = failed.length === 0 ? 0 : 1
