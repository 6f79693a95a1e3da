// Every error code used in the source is documented in docs/errors.md or docs/errors/*.md, and every documented code is used.
import { describe, it, expect } from 'vitest'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const CODE = /['"`](FERRY_[A-Z0-9_]+)['"`]/g

function sourceFiles (dir: string): string[] {
  const out: string[] = []
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

function codesInSource (): Map<string, string> {
  const codes = new Map<string, string>()
  for (const part of ['protocol', 'node', 'portal', 'cli']) {
    for (const file of sourceFiles(join(root, part, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(CODE)) codes.set(match[1]!, file)
    }
  }
  return codes
}

describe('docs/errors.md', () => {
  const doc = ['errors.md', ...readdirSync(join(root, 'docs/errors')).map(f => 'errors/' + f)].map(f => readFileSync(join(root, 'docs', f), 'utf8')).join('\n')
  const documented = new Set([...doc.matchAll(/`(FERRY_[A-Z0-9_]+)`/g)].map(m => m[1]!))

  it('lists every code the source uses', () => {
    const missing = [...codesInSource()].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`)
    expect(missing).toEqual([])
  })

  it('lists no code the source has dropped', () => {
    const used = codesInSource()
    expect([...documented].filter(code => !used.has(code))).toEqual([])
  })
})
