#!/usr/bin/env node
// Makes a checkout ready to run: installs dependencies when missing or stale, then builds. Used by `npm start` and `npm test`.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
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
log('building')
run('npm', ['run', 'build', '--silent'])
