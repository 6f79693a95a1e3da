#!/usr/bin/env node
// Makes a checkout ready to run: installs dependencies when missing or stale, builds the batched-UDP addon when it can, then builds. Used by `npm start` and `npm test`.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const quiet = process.argv.includes('--quiet')
const manifests = ['package.json', 'package-lock.json', 'protocol/package.json', 'node/package.json', 'portal/package.json', 'cli/package.json']
const stampFile = join(root, 'node_modules', '.ferry-install-stamp')

function log (line) { if (!quiet) process.stderr.write(`ferry: ${line}\n`) }
function run (cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] })
  } catch {
    process.stderr.write(`ferry: \`${cmd} ${args.join(' ')}\` failed (see above)\n`)
    process.exit(1)
  }
}

const hash = createHash('sha256')
for (const file of manifests) {
  const path = join(root, file)
  if (existsSync(path)) hash.update(file).update(readFileSync(path))
}
const digest = hash.digest('hex')
const installed = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : ''
if (installed !== digest) {
  log(installed === '' ? 'installing dependencies' : 'dependencies changed: reinstalling')
  // A fresh clone gets exactly the lock file (npm ci); an existing tree is updated in place, which is gentler on running processes.
  const fresh = !existsSync(join(root, 'node_modules')) || !existsSync(join(root, 'package-lock.json'))
  run('npm', fresh && existsSync(join(root, 'package-lock.json')) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'])
  writeFileSync(stampFile, digest + '\n')
}
/**
 * Compiles protocol/native/batched-udp.c into protocol/native/build/ when the source is newer than the addon (npm 11
 * runs no install scripts, so this is where it gets built). Without a C compiler or Node's headers the driver uses
 * node:dgram instead: one line says so and the build goes on.
 */
function buildNativeAddon () {
  const source = join(root, 'protocol/native/batched-udp.c')
  const output = join(root, 'protocol/native/build/batched-udp.node')
  if (!existsSync(source)) return
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return
  const includeDir = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find(dir => existsSync(join(dir, 'node_api.h')))
  if (process.platform !== 'linux' || includeDir === undefined) {
    process.stderr.write(`ferry: batched UDP addon not built (${process.platform !== 'linux' ? 'needs Linux' : "no Node headers (node_api.h)"}): UDP uses node:dgram\n`)
    return
  }
  mkdirSync(dirname(output), { recursive: true })
  const compiler = process.env.CC ?? 'cc'
  try {
    // Built beside the target then renamed, so a running process never loads a half-written file.
    execFileSync(compiler, ['-O2', '-Wall', '-shared', '-fPIC', `-I${includeDir}`, '-o', output + '.tmp', source], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
    renameSync(output + '.tmp', output)
    log('built the batched UDP addon (protocol/native/build/batched-udp.node)')
  } catch (err) {
    const why = err.code === 'ENOENT' ? `no C compiler (${compiler})` : `${compiler} failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`
    process.stderr.write(`ferry: batched UDP addon not built (${why}): UDP uses node:dgram\n`)
  }
}

buildNativeAddon()
log('building')
run('npm', ['run', 'build', '--silent'])
