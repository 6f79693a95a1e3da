// The desktop agent end to end in Debian's chromium: the recipient clicks "Download with the desktop client", pairs once,
// approves at the terminal, and the agent fetches the package over UDP into its download folder while the page shows
// progress to 100 %; with the agent stopped, the same click falls back to the browser download. Another origin gets nothing.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { buildPortal, type Portal } from '../portal/src/http/build-portal.js'
import { freshHome, runFerry, spawnFerry } from './cli-harness.js'

const root = join(import.meta.dirname, '..')
const chromiumPath = '/usr/bin/chromium'
const nodeMain = join(root, 'node/dist/main.js')
const webDist = join(root, 'portal/web-dist/index.html')
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

const skipReason = !existsSync(chromiumPath)
  ? `chromium is not installed at ${chromiumPath} (apt-get install chromium)`
  : !existsSync(nodeMain) || !existsSync(webDist) ? 'the build is missing (npm run build)' : ''

interface Agent { child: ChildProcess, url: string, approvals: Array<{ code: string, kind: string, description: string }>, stop: () => Promise<void> }

let work: string
let portal: Portal
let portalUrl: string
let node: ChildProcess
let packageId: string
let bobHome: { dir: string, env: NodeJS.ProcessEnv }
let agentPort: number
const expected = new Map<string, string>()
const contexts: BrowserContext[] = []
const agents: Agent[] = []

describe.skipIf(skipReason !== '')(`desktop agent with the web UI${skipReason === '' ? '' : ` (skipped: ${skipReason})`}`, () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ferry-web-agent-'))
    portal = await buildPortal({ dataDir: join(work, 'portal'), publicUrl: 'http://127.0.0.1', loginRateLimit: { max: 100, timeWindowMs: 60_000 } })
    await portal.app.listen({ host: '127.0.0.1', port: 0 })
    portalUrl = `http://127.0.0.1:${(portal.app.server.address() as { port: number }).port}`
    const admin = await portal.services.accounts.createUser({ name: 'alice', email: 'alice@example.com', displayName: 'Alice', password: 'alice-password', role: 'admin' })
    await portal.services.accounts.createUser({ name: 'bob', email: 'bob@example.com', displayName: 'Bob', password: 'bob-password' })
    node = spawn(process.execPath, [nodeMain, '--json', '--name', 'node-a', '--data-dir', join(work, 'node'), '--http-port', '0', '--udp-port', '0',
      '--admin-token', 'node-admin-token', '--portal-jwks-url', `${portalUrl}/api/v1/keys`], { stdio: ['ignore', 'pipe', 'pipe'] })
    const [line] = await once(createInterface({ input: node.stdout! }), 'line') as [string]
    await portal.services.nodes.enrol({ name: 'node-a', opsUrl: (JSON.parse(line) as { httpUrl: string }).httpUrl, adminToken: 'node-admin-token' }, admin.id)

    // Alice sends a folder with the CLI: a few MiB, an empty file, a Unicode name.
    const folder = join(work, 'rushes')
    await mkdir(join(folder, 'day 1'), { recursive: true })
    const put = async (path: string, data: Buffer): Promise<void> => {
      await writeFile(join(folder, path), data)
      expected.set(`rushes/${path}`, createHash('sha256').update(data).digest('hex'))
    }
    await put('empty.txt', Buffer.alloc(0))
    await put('day 1/cámara-A.bin', randomBytes(6 * 1024 * 1024 + 13))
    await put('day 1/notes.txt', Buffer.from('slate 12, take 3\n'))
    const alice = freshHome()
    expect((await runFerry(['login', portalUrl, '--user', 'alice', '--password-stdin'], { env: alice.env, input: 'alice-password\n' })).code).toBe(0)
    const sent = await runFerry(['send', '--to', 'bob', '--title', 'Rushes', '--json', folder], { env: alice.env, timeoutMs: 120_000 })
    expect(sent.code, sent.stderr).toBe(0)
    const sentEvent = sent.stdout.trim().split('\n').map(l => JSON.parse(l) as { type: string, id?: string }).find(e => e.type === 'sent')
    packageId = sentEvent!.id!
    bobHome = freshHome()
    agentPort = await freePort()
  }, 240_000)

  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop()
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    node?.kill('SIGTERM')
    if (node !== undefined && node.exitCode === null) await once(node, 'exit')
    await portal?.close()
    await rm(work, { recursive: true, force: true })
  }, 60_000)

  it('downloads through the agent over UDP with live progress in the page, then falls back to the browser when the agent is gone', async () => {
    const downloads = join(work, 'bob-downloads')
    const agent = await startAgent(downloads)
    const page = await bobPage()
    await page.goto(`${portalUrl}/packages/${packageId}`)
    const button = page.getByTestId('agent-download')
    await button.waitFor({ timeout: 30_000 })
    await button.click()

    // First use: the page pairs with the agent, and the person approves at the terminal.
    const pairing = await nextApproval(agent, 'pair')
    await expect.poll(async () => await page.getByTestId('agent-pairing').textContent()).toContain(pairing.code)
    expect((await runFerry(['agent', 'approve', pairing.code], { env: bobHome.env })).code).toBe(0)
    // Then the transfer itself, which names the folder it will write.
    const transfer = await nextApproval(agent, 'transfer')
    expect(transfer.description).toContain(join(downloads, packageId))
    expect((await runFerry(['agent', 'approve', transfer.code], { env: bobHome.env })).code).toBe(0)

    const progress = page.getByTestId('agent-progress')
    await expect.poll(async () => await progress.getAttribute('data-state'), { timeout: 120_000 }).toBe('complete')
    expect(await progress.getAttribute('data-percent')).toBe('100')
    expect(await page.getByText('Desktop client: complete (udp)').count()).toBe(1)
    const got = new Map<string, string>()
    for (const path of expected.keys()) got.set(path, createHash('sha256').update(await readFile(join(downloads, packageId, path))).digest('hex'))
    expect(got).toEqual(expected)
    // The page handed the node's receipt to the portal: the download is recorded.
    await expect.poll(async () => (await portal.services.packages.require(packageId)).state).toBe('downloaded')

    // The agent stops; the same button now falls back to the browser download through the gateway.
    await agent.stop()
    const again = await bobPage()
    await again.goto(`${portalUrl}/packages/${packageId}`)
    // The page detects no agent: no agent button, the browser download is offered.
    await again.getByTestId('download-zip').waitFor()
    expect(await again.getByTestId('agent-download').count()).toBe(0)
    // On the first page (which had seen the agent), a click falls back by itself.
    const fallback = page.getByTestId('agent-message')
    const restarted = await startAgent(downloads)
    await page.reload()
    await page.getByTestId('agent-download').waitFor({ timeout: 30_000 })
    await restarted.stop()
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('agent-download').click()])
    expect(await fallback.textContent()).toContain('downloading through the browser')
    expect(download.suggestedFilename()).toMatch(/\.zip$/)
  }, 300_000)

  it('answers a page from another origin with a bare refusal', async () => {
    const agent = await startAgent(join(work, 'other'))
    try {
      const evil = await bobPage()
      // A page served from another origin (a different port is a different origin) tries every route.
      const other = createServer()
      await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
      const otherPort = (other.address() as { port: number }).port
      other.close()
      await evil.route(`http://127.0.0.1:${otherPort}/`, route => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>other</title>' }))
      await evil.goto(`http://127.0.0.1:${otherPort}/`)
      const results = await evil.evaluate(async (base) => {
        const out: string[] = []
        for (const [method, path] of [['GET', '/agent/v1/hello'], ['POST', '/agent/v1/pairings'], ['GET', '/agent/v1/transfers'], ['POST', '/agent/v1/transfers']]) {
          try {
            const res = await fetch(base + path!, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) })
            out.push(`${path} read ${res.status}`)
          } catch {
            out.push(`${path} refused`)
          }
        }
        return out
      }, agent.url)
      expect(results).toEqual(['/agent/v1/hello refused', '/agent/v1/pairings refused', '/agent/v1/transfers refused', '/agent/v1/transfers refused'])
      expect(agent.approvals).toEqual([])
    } finally {
      await agent.stop()
    }
  }, 120_000)
})

async function bobPage (): Promise<Page> {
  const userDataDir = await mkdtemp(join(work, 'chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, args: chromiumArgs, acceptDownloads: true })
  contexts.push(context)
  await context.addInitScript((url: string) => { localStorage.setItem('ferry.agentUrl', url) }, `http://127.0.0.1:${agentPort}`)
  const page = await context.newPage()
  await page.goto(`${portalUrl}/inbox`)
  await page.getByLabel('Name or email').fill('bob')
  await page.getByLabel('Password').fill('bob-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Inbox' }).waitFor()
  return page
}

async function startAgent (downloadDir: string): Promise<Agent> {
  const child = spawnFerry(['agent', '--portal', portalUrl, '--port', String(agentPort), '--download-dir', downloadDir, '--json'], { env: bobHome.env })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const approvals: Agent['approvals'] = []
  const lines = createInterface({ input: child.stdout! })
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', line => {
      const event = JSON.parse(line) as { type: string, url?: string, code?: string, kind?: string, description?: string }
      if (event.type === 'ready') resolve(event.url!)
      if (event.type === 'approval') approvals.push({ code: event.code!, kind: event.kind!, description: event.description! })
    })
    child.once('exit', code => reject(new Error(`ferry agent exited with ${code}: ${stderr}`)))
  })
  const agent: Agent = {
    child, url, approvals,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGINT')
      await once(child, 'exit')
    }
  }
  agents.push(agent)
  return agent
}

async function nextApproval (agent: Agent, kind: string): Promise<{ code: string, description: string }> {
  for (let i = 0; i < 600; i++) {
    const found = agent.approvals.find(a => a.kind === kind)
    if (found !== undefined) {
      agent.approvals.splice(agent.approvals.indexOf(found), 1)
      return found
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`no ${kind} approval was asked for`)
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise(resolve => server.close(resolve))
  return port
}
