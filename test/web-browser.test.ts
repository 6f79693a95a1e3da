// The web UI end to end in Debian's chromium (playwright-core, never a downloaded browser), against a real portal and a
// real node process: a 50-file folder with an empty file and a 300 MiB file is sent, the page is closed mid-upload,
// reopened and resumed; the recipient sees the notification arrive live and downloads the zip; every SHA-256 matches.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { buildPortal, type Portal } from '../portal/src/http/build-portal.js'

const root = join(import.meta.dirname, '..')
const chromiumPath = '/usr/bin/chromium'
const nodeMain = join(root, 'node/dist/main.js')
const webDist = join(root, 'portal/web-dist/index.html')
const MiB = 1024 * 1024
/** The big file: large enough that the page is surely closed while it is in flight. */
const bigFileBytes = 300 * MiB
/** Close the page once this much of the big file is on its way (well before the end, well after the start). */
const closeAfterBytes = 40 * MiB

const skipReason = !existsSync(chromiumPath)
  ? `chromium is not installed at ${chromiumPath} (apt-get install chromium)`
  : !existsSync(nodeMain)
      ? 'node/dist/main.js is missing (npm run build)'
      : !existsSync(webDist) ? 'portal/web-dist is missing (npm run build)' : ''

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

interface Fixture {
  work: string
  portal: Portal
  portalUrl: string
  node: ChildProcess
  /** Expected content: relative path (inside the picked folder) → SHA-256. */
  files: Map<string, string>
  folder: string
  contexts: BrowserContext[]
}

let fx: Fixture | undefined
let gatewayMissing = ''

describe.skipIf(skipReason !== '')(`web UI in chromium${skipReason === '' ? '' : ` (skipped: ${skipReason})`}`, () => {
  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'ferry-web-e2e-'))
    const portal = await buildPortal({ dataDir: join(work, 'portal'), publicUrl: 'http://127.0.0.1', loginRateLimit: { max: 100, timeWindowMs: 60_000 } })
    await portal.app.listen({ host: '127.0.0.1', port: 0 })
    const portalUrl = `http://127.0.0.1:${(portal.app.server.address() as { port: number }).port}`
    const admin = await portal.services.accounts.createUser({ name: 'alice', email: 'alice@example.com', displayName: 'Alice', password: 'alice-password', role: 'admin' })
    await portal.services.accounts.createUser({ name: 'bob', email: 'bob@example.com', displayName: 'Bob', password: 'bob-password' })

    const node = spawn(process.execPath, [nodeMain, '--json', '--name', 'node-a', '--data-dir', join(work, 'node'),
      '--http-port', '0', '--udp-port', '0', '--admin-token', 'node-admin-token', '--portal-jwks-url', `${portalUrl}/api/v1/keys`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    node.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const ready = await new Promise<{ httpUrl: string }>((resolve, reject) => {
      let out = ''
      node.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const line = out.split('\n').find(l => l.startsWith('{'))
        if (line !== undefined) resolve(JSON.parse(line) as { httpUrl: string })
      })
      node.once('exit', code => { reject(new Error(`node exited with ${code}: ${stderr}`)) })
    })
    const probe = await fetch(`${ready.httpUrl}/gateway/v1/uploads`, { method: 'OPTIONS' }).catch(() => undefined)
    if (probe?.headers.get('tus-version') == null) gatewayMissing = `the node at ${ready.httpUrl} serves no tus gateway at /gateway/v1/uploads`
    else await portal.services.nodes.enrol({ name: 'node-a', opsUrl: ready.httpUrl, adminToken: 'node-admin-token' }, admin.id)

    const folder = join(work, 'outbox', 'project ünïcode')
    const files = gatewayMissing === '' ? await makeFolder(folder) : new Map<string, string>()
    fx = { work, portal, portalUrl, node, files, folder, contexts: [] }
  }, 120_000)

  afterAll(async () => {
    if (fx === undefined) return
    for (const context of fx.contexts) await context.close().catch(() => {})
    fx.node.kill('SIGTERM')
    if (fx.node.exitCode === null) await once(fx.node, 'exit')
    await fx.portal.close()
    await rm(fx.work, { recursive: true, force: true })
  }, 60_000)

  it('sends a folder, survives closing the page mid-upload, and the recipient downloads an intact zip', async (ctx) => {
    if (gatewayMissing !== '') ctx.skip(gatewayMissing)
    const f = fx!
    const alice = await browserContext(f)
    const bob = await browserContext(f)

    // Alice picks the folder and sends it.
    let page = await alice.newPage()
    await signIn(page, f.portalUrl, 'alice', 'alice-password')
    await page.getByRole('link', { name: 'New package' }).click()
    await page.getByRole('combobox').fill('bob')
    await page.getByRole('option', { name: /Bob/ }).click()
    await page.getByLabel('Title').fill('Project files')
    await page.getByLabel('Note').fill('All fifty, the big one included.')
    await page.getByTestId('folder-input').setInputFiles(f.folder)
    await expect.poll(async () => await page.getByTestId('picked-summary').textContent()).toContain('50 files')
    await page.getByRole('button', { name: 'Send' }).click()

    // Mid-upload: the big file is partly sent; the page goes away.
    const bigPath = `${folderName(f)}/big/three-hundred.bin`
    await expect.poll(async () => (await uploadState(page))?.files.find(x => x.path === bigPath)?.bytesDone ?? 0, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(closeAfterBytes)
    const before = await uploadState(page)
    expect(before?.done).toBe(false)
    const draftPath = new URL(page.url()).pathname
    expect(draftPath).toMatch(/^\/drafts\//)
    const packageId = decodeURIComponent(draftPath.split('/')[2]!)
    await page.close()
    expect(await f.portal.services.packages.require(packageId)).toMatchObject({ state: 'uploading' })

    // Bob is signed in and watching while Alice comes back.
    const bobPage = await bob.newPage()
    await signIn(bobPage, f.portalUrl, 'bob', 'bob-password')
    await expect.poll(async () => await bobPage.getByRole('button', { name: /^Notifications/ }).getAttribute('aria-label')).toBe('Notifications, none unread')

    // Alice reopens: the unfinished upload is offered; she picks the same folder and resumes.
    page = await alice.newPage()
    await page.goto(`${f.portalUrl}/new`)
    await page.getByRole('link', { name: 'Project files' }).click()
    await page.getByRole('heading', { name: /Resume/ }).waitFor()
    await page.getByTestId('folder-input').setInputFiles(f.folder)
    await expect.poll(async () => await page.getByTestId('resume-match').textContent()).toContain('50 of 50')
    await page.getByRole('button', { name: 'Resume upload' }).click()
    const firstSeen = await firstProgress(page, bigPath)
    // Resumed from the node's offset, not from zero; and the files finished before the close were not sent again.
    expect(firstSeen.bigBytes).toBeGreaterThan(0)
    expect(firstSeen.doneFiles).toBeGreaterThanOrEqual(before!.files.filter(x => x.status === 'done').length)
    await page.getByTestId('package-state').waitFor({ timeout: 180_000 })
    expect(await page.getByTestId('package-state').textContent()).toBe('sent')

    // Bob's bell rang over SSE without a reload.
    const bell = bobPage.getByRole('button', { name: /^Notifications/ })
    await expect.poll(async () => await bell.getAttribute('aria-label'), { timeout: 20_000 }).toBe('Notifications, 1 unread')
    await bell.click()
    await bobPage.getByRole('region', { name: 'Notifications' }).getByRole('link').first().click()
    await bobPage.getByRole('heading', { name: 'Project files' }).waitFor()
    expect(await bobPage.getByTestId('cli-command').textContent()).toBe(`ferry download ${packageId}`)

    // The zip: every entry is there and byte-identical.
    const expected = new Map([...f.files].map(([path, sha]) => [`${folderName(f)}/${path}`, sha]))
    const zipHref = await bobPage.getByTestId('download-zip').getAttribute('href')
    const zipHead = await fetch(zipHref!, { method: 'HEAD' })
    expect(zipHead.status).toBe(200)
    const [download] = await Promise.all([bobPage.waitForEvent('download', { timeout: 60_000 }), bobPage.getByTestId('download-zip').click()])
    const zipPath = join(f.work, 'download.zip')
    await download.saveAs(zipPath)
    const entries = await zipEntrySha256(zipPath)
    expect(new Map([...entries].filter(([path]) => !path.endsWith('/')))).toEqual(expected)
    // The page asked the node for its download receipt and handed it to the portal: the sender sees the download.
    await expect.poll(async () => (await f.portal.services.packages.require(packageId)).state, { timeout: 30_000 }).toBe('downloaded')
  }, 420_000)
})

function folderName (f: Fixture): string {
  return f.folder.split('/').pop()!.normalize('NFC')
}

async function browserContext (f: Fixture): Promise<BrowserContext> {
  const userDataDir = await mkdtemp(join(f.work, 'chromium-'))
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, args: chromiumArgs, acceptDownloads: true, viewport: { width: 1280, height: 900 } })
  f.contexts.push(context)
  return context
}

async function signIn (page: Page, base: string, name: string, password: string): Promise<void> {
  await page.goto(`${base}/inbox`)
  await page.getByLabel('Name or email').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Inbox' }).waitFor()
}

interface UploadStateView { done: boolean, files: Array<{ path: string, bytesDone: number, status: string }> }

/** The new-package page's live upload snapshot (what the progress table draws). */
async function uploadState (page: Page): Promise<UploadStateView | undefined> {
  return await page.evaluate(() => {
    const el = document.querySelector('ferry-app')?.shadowRoot?.querySelector('ferry-new-package') as unknown as { snapshot?: UploadStateView } | null
    const s = el?.snapshot
    return s === undefined ? undefined : { done: s.done, files: s.files.map(x => ({ path: x.path, bytesDone: x.bytesDone, status: x.status })) }
  })
}

/** Polls the upload until the big file reports progress; returns what was first seen. */
async function firstProgress (page: Page, bigPath: string): Promise<{ bigBytes: number, doneFiles: number }> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const s = await uploadState(page).catch(() => undefined)
    const big = s?.files.find(x => x.path === bigPath)
    if (s !== undefined && big !== undefined && big.bytesDone > 0) return { bigBytes: big.bytesDone, doneFiles: s.files.filter(x => x.status === 'done').length }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('the resumed upload never reported progress')
}

/** 50 files: one empty, one of 300 MiB, the rest small, in nested folders with Unicode names. Returns path → SHA-256. */
async function makeFolder (folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const put = async (path: string, data: Buffer): Promise<void> => {
    await mkdir(dirname(join(folder, path)), { recursive: true })
    await writeFile(join(folder, path), data)
    files.set(path, createHash('sha256').update(data).digest('hex'))
  }
  await put('empty.txt', Buffer.alloc(0))
  for (let i = 0; i < 48; i++) {
    const dir = i % 3 === 0 ? 'docs' : i % 3 === 1 ? 'images/2026' : 'données/日本'
    await put(`${dir}/file-${String(i).padStart(2, '0')}.bin`, randomBytes(1 + (i * 7919) % (256 * 1024)))
  }
  const bigPath = 'big/three-hundred.bin'
  await mkdir(join(folder, 'big'), { recursive: true })
  const hash = createHash('sha256')
  const out = createWriteStream(join(folder, bigPath))
  for (let written = 0; written < bigFileBytes; written += 4 * MiB) {
    const chunk = randomBytes(Math.min(4 * MiB, bigFileBytes - written))
    hash.update(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  files.set(bigPath, hash.digest('hex'))
  return files
}

/** Reads a stored (uncompressed) zip's central directory, ZIP64 included, and hashes every entry's bytes. */
async function zipEntrySha256 (zipPath: string): Promise<Map<string, string>> {
  const handle = await open(zipPath, 'r')
  try {
    const { size } = await handle.stat()
    const tailBytes = Math.min(size, 65_557 + 20 + 56)
    const tail = Buffer.alloc(tailBytes)
    await handle.read(tail, 0, tailBytes, size - tailBytes)
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
    if (eocd < 0) throw new Error('no end of central directory')
    let count = tail.readUInt16LE(eocd + 10)
    let cdSize = tail.readUInt32LE(eocd + 12)
    let cdOffset = tail.readUInt32LE(eocd + 16)
    const locator = eocd - 20
    if (locator >= 0 && tail.readUInt32LE(locator) === 0x07064b50) {
      const z64 = Buffer.alloc(56)
      await handle.read(z64, 0, 56, Number(tail.readBigUInt64LE(locator + 8)))
      count = Number(z64.readBigUInt64LE(32))
      cdSize = Number(z64.readBigUInt64LE(40))
      cdOffset = Number(z64.readBigUInt64LE(48))
    }
    const cd = Buffer.alloc(cdSize)
    await handle.read(cd, 0, cdSize, cdOffset)
    const out = new Map<string, string>()
    let p = 0
    for (let i = 0; i < count; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`)
      const method = cd.readUInt16LE(p + 10)
      let compressed = cd.readUInt32LE(p + 20)
      const nameLen = cd.readUInt16LE(p + 28)
      const extraLen = cd.readUInt16LE(p + 30)
      const commentLen = cd.readUInt16LE(p + 32)
      let localOffset = cd.readUInt32LE(p + 42)
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8')
      const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen)
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e)
        const len = extra.readUInt16LE(e + 2)
        if (id === 0x0001) {
          let q = e + 4
          if (cd.readUInt32LE(p + 24) === 0xffffffff) q += 8 // uncompressed size comes first
          if (compressed === 0xffffffff) { compressed = Number(extra.readBigUInt64LE(q)); q += 8 }
          if (localOffset === 0xffffffff) localOffset = Number(extra.readBigUInt64LE(q))
        }
        e += 4 + len
      }
      if (method !== 0) throw new Error(`${name}: compressed (method ${method}); the gateway stores`)
      const local = Buffer.alloc(30)
      await handle.read(local, 0, 30, localOffset)
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
      const hash = createHash('sha256')
      if (compressed > 0) {
        for await (const chunk of createReadStream(zipPath, { start: dataStart, end: dataStart + compressed - 1 })) hash.update(chunk as Buffer)
      }
      out.set(name, hash.digest('hex'))
      p += 46 + nameLen + extraLen + commentLen
    }
    return out
  } finally {
    await handle.close()
  }
}
