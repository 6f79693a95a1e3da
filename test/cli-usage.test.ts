// Black-box: the `ferry` command's help, usage errors (exit 2, no stack) and login state handling, with no portal needed.
import { describe, it, expect } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freshHome, runFerry } from './cli-harness.js'

describe('ferry usage', () => {
  it('prints help and exits 0', async () => {
    const r = await runFerry(['help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: ferry <command>')
    expect(r.stdout).toMatch(/login/)
  })

  it.each([
    [['frobnicate']],
    [['login']],
    [['login', '--bogus', 'http://x']],
    [['login', 'http://127.0.0.1:1', '--password-stdin']],
    [['package']],
    [['package', 'show']],
    [['package', 'explode', 'x']],
    [['inbox', 'extra']],
    [['node']]
  ])('%j is a usage error: exit 2, a message, no stack', async (args) => {
    const r = await runFerry(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^ferry: /)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stdout).toBe('')
  })

  it('every command answers --help with its usage, exit 0', { timeout: 240_000 }, async () => {
    const help = await runFerry(['help'])
    const names = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map(m => m[1]!)
    expect(names.length).toBeGreaterThan(3)
    for (const name of names) {
      const r = await runFerry([name, '--help'])
      expect(r.code, name).toBe(0)
      expect(r.stdout, name).toMatch(/Usage: ferry/)
    }
  })

  it('commands that need a login say how to log in, exit 1', async () => {
    const { env } = freshHome()
    const r = await runFerry(['inbox'], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('ferry login')
    expect(r.stderr).toContain('FERRY_CLI_NOT_LOGGED_IN')
  })

  it('an unreachable portal is a clear failure (exit 1), not a stack', async () => {
    const { env } = freshHome()
    const r = await runFerry(['login', 'http://127.0.0.1:1', '--user', 'alice', '--password-stdin'], { env, input: 'secret\n' })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('FERRY_CLI_PORTAL_UNREACHABLE')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('logout with no login is fine; a broken config file is explained', async () => {
    const { env } = freshHome()
    expect((await runFerry(['logout'], { env })).code).toBe(0)
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'ferry'), { recursive: true })
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'ferry', 'config.json'), '{not json')
    const r = await runFerry(['sent'], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('FERRY_CLI_CONFIG_INVALID')
    expect((await runFerry(['logout'], { env })).code).toBe(0)
    expect((await runFerry(['sent'], { env })).stderr).toContain('FERRY_CLI_NOT_LOGGED_IN')
  })
})
