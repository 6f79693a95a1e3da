// The portal process: reads flags (or a JSON config file), builds the app, listens, and prints a ready line; `ferry portal start` spawns it.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { parseArgs } from 'node:util'
import { buildPortal } from './http/build-portal.js'
import { seedDemo } from './demo/demo-seed.js'
import type { SmtpSettings } from './notify/mailer.js'

const USAGE = `usage: node portal/dist/main.js [--config FILE] [--dataDir DIR] [--host H] [--port N] [--publicUrl URL]
  [--smtpHost H --smtpPort N --smtpUser U --smtpPass P --smtpSecure --smtpFrom ADDR --smtpInsecureTls]
  [--sweepIntervalSec N] [--scryptN N (password hash cost, default 32768)] [--trustProxy] [--demo] [--json]`

const flags = {
  config: { type: 'string' }, dataDir: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, publicUrl: { type: 'string' },
  smtpHost: { type: 'string' }, smtpPort: { type: 'string' }, smtpUser: { type: 'string' }, smtpPass: { type: 'string' },
  smtpSecure: { type: 'boolean' }, smtpFrom: { type: 'string' }, smtpInsecureTls: { type: 'boolean' },
  sweepIntervalSec: { type: 'string' }, scryptN: { type: 'string' }, trustProxy: { type: 'boolean' }, demo: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' }
} as const

async function freePort (host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

async function main (): Promise<void> {
  let parsed
  try {
    // Kebab-case spellings (--data-dir, --public-url) as the node process takes them are accepted too.
    const camel = (name: string): string => '--' + name.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
    const argv = process.argv.slice(2).map(a => {
      if (!a.startsWith('--')) return a
      const eq = a.indexOf('=')
      return eq === -1 ? camel(a) : camel(a.slice(0, eq)) + a.slice(eq)
    })
    parsed = parseArgs({ args: argv, options: flags, strict: true }).values
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }
  if (parsed.help === true) { process.stdout.write(USAGE + '\n'); return }
  const file = parsed.config === undefined ? {} : JSON.parse(readFileSync(parsed.config, 'utf8')) as Record<string, unknown>
  const pick = <T>(name: string, fallback: T): T => ((parsed as Record<string, unknown>)[name] ?? file[name] ?? fallback) as T
  const host = pick('host', '127.0.0.1')
  let port = Number(pick('port', '8080'))
  if (!Number.isInteger(port) || port < 0 || port > 65535) { process.stderr.write(`bad --port\n${USAGE}\n`); process.exit(2) }
  if (port === 0) port = await freePort(host)
  const publicUrl = pick('publicUrl', `http://${host.includes(':') ? `[${host}]` : host}:${port}`)
  const dataDir = pick('dataDir', '.ferry/portal')
  const smtpHost = pick<string | undefined>('smtpHost', undefined)
  const smtp: SmtpSettings | undefined = smtpHost === undefined
    ? undefined
    : {
        host: smtpHost,
        port: Number(pick('smtpPort', '587')),
        secure: pick('smtpSecure', false),
        from: pick('smtpFrom', 'ferry@localhost'),
        allowInsecureTls: pick('smtpInsecureTls', false),
        ...(pick<string | undefined>('smtpUser', undefined) === undefined ? {} : { user: pick('smtpUser', ''), pass: pick('smtpPass', '') })
      }

  const scryptN = pick<string | undefined>('scryptN', undefined)
  if (scryptN !== undefined && !/^[0-9]+$/.test(String(scryptN))) { process.stderr.write(`bad --scryptN\n${USAGE}\n`); process.exit(2) }
  if (scryptN !== undefined && (Number(scryptN) < 1024 || (Number(scryptN) & (Number(scryptN) - 1)) !== 0)) { process.stderr.write(`--scryptN must be a power of two of at least 1024\n${USAGE}\n`); process.exit(2) }
  const portal = await buildPortal({
    dataDir, publicUrl, trustProxy: pick('trustProxy', false), logger: parsed.json !== true,
    ...(smtp === undefined ? {} : { smtp }), ...(scryptN === undefined ? {} : { scryptN: Number(scryptN) })
  })
  const users = pick('demo', false) ? await seedDemo(portal.services) : []
  await portal.app.listen({ host, port })
  portal.startBackground(Number(pick('sweepIntervalSec', '60')) * 1000)

  const ready = { portalUrl: publicUrl, listenUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, jwksUrl: `${publicUrl}/api/v1/keys`, dataDir, smtp: smtp !== undefined, users }
  if (parsed.json === true) process.stdout.write(JSON.stringify(ready) + '\n')
  else {
    process.stdout.write(`Ferry portal on ${publicUrl} (API docs ${publicUrl}/api/docs)\n`)
    for (const u of users) process.stdout.write(`  ${u.role.padEnd(5)} ${u.name} / ${u.password}\n`)
  }

  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    portal.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry portal: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
