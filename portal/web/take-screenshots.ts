// Takes the README screenshots (docs/screenshots/) against a real portal (in-process) and three real node processes: `npx tsx portal/web/take-screenshots.ts` after `npm run build`.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { chromium, type Page } from 'playwright-core'
import { buildPortal } from '../src/http/build-portal.js'

const root = join(import.meta.dirname, '../..')
const out = join(root, 'docs/screenshots')
const work = await mkdtemp(join(tmpdir(), 'ferry-shots-'))
const portal = await buildPortal({ dataDir: join(work, 'portal'), publicUrl: 'http://127.0.0.1', webDistDir: join(root, 'portal/web-dist') })
await portal.app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(portal.app.server.address() as { port: number }).port}`
const s = portal.services
const alice = await s.accounts.createUser({ name: 'alice', email: 'alice@example.com', displayName: 'Alice Martin', password: 'alice-password', role: 'admin' })
const bob = await s.accounts.createUser({ name: 'bob', email: 'bob@example.com', displayName: 'Bob Okafor', password: 'bob-password' })
const carol = await s.accounts.createUser({ name: 'carol', email: 'carol@example.com', displayName: 'Carol Ng', password: 'carol-password' })
await s.accounts.createUser({ name: 'dave', email: 'dave@partner.example', displayName: 'Dave (Partner)', password: 'dave-password', external: true })
await s.groups.create('post-production', [bob.id, carol.id], alice.id)
await (s.inboxes as any).create({ name: 'legal', kind: 'shared', description: 'Contracts and signed papers', members: [{ userId: bob.id, role: 'member' }, { userId: alice.id, role: 'submit-only' }], metadataFields: [{ name: 'matter', label: 'Matter number', type: 'string', required: true }, { name: 'priority', type: 'option', required: false, options: ['low', 'normal', 'urgent'] }] }, alice.id)

const nodes: Array<{ proc: ReturnType<typeof spawn>, httpUrl: string }> = []
for (const name of ['paris', 'lagos', 'osaka']) {
  const proc = spawn(process.execPath, [join(root, 'node/dist/main.js'), '--json', '--name', name, '--data-dir', join(work, name), '--http-port', '0', '--udp-port', '0', '--admin-token', 'screenshot-admin-token', '--portal-jwks-url', `${base}/api/v1/keys`, ...(nodes[0] === undefined ? [] : ['--bootstrap', (nodes[0] as any).multiaddrs[0]])], { stdio: ['ignore', 'pipe', 'inherit'] })
  const ready = await new Promise<any>((resolve) => { let buf = ''; proc.stdout!.on('data', (c: Buffer) => { buf += c; const l = buf.split('\n').find(x => x.startsWith('{')); if (l !== undefined) resolve(JSON.parse(l)) }) })
  nodes.push({ proc, ...ready })
  await s.nodes.enrol({ name, opsUrl: ready.httpUrl, adminToken: 'screenshot-admin-token' }, alice.id)
}

const folder = join(work, 'Spring campaign')
for (const [p, n] of [['edit/cut-v3.mov', 40_000_000], ['edit/cut-v3.srt', 4000], ['stills/hero.tif', 9_000_000], ['stills/detail.tif', 7_000_000], ['README.txt', 800], ['empty-notes.txt', 0]] as const) {
  await mkdir(join(folder, p, '..'), { recursive: true })
  await writeFile(join(folder, p), randomBytes(n))
}
const big = join(work, 'Raw footage')
await mkdir(big, { recursive: true })
await writeFile(join(big, 'A001_C002.mxf'), randomBytes(300 * 1024 * 1024))

const ctx = await chromium.launchPersistentContext(await mkdtemp(join(work, 'chr-')), { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], viewport: { width: 1200, height: 760 }, colorScheme: 'light' })
const page = await ctx.newPage()
const shot = async (p: Page, name: string): Promise<void> => { await p.waitForTimeout(300); await p.screenshot({ path: join(out, `${name}.png`) }) }
const signIn = async (p: Page, who: string): Promise<void> => {
  await p.goto(`${base}/inbox`)
  await p.getByLabel('Name or email').fill(who)
  await shot(p, '01-sign-in')
  await p.getByLabel('Password').fill(`${who}-password`)
  await p.getByRole('button', { name: 'Sign in' }).click()
  await p.getByRole('heading', { name: 'Inbox' }).waitFor()
}
const send = async (title: string, to: string[], dir: string, note: string, shotName?: string): Promise<void> => {
  await page.goto(`${base}/new`)
  for (const r of to) { await page.getByRole('combobox').fill(r); await page.getByRole('option').first().click() }
  await page.getByLabel('Title').fill(title)
  await page.getByLabel('Note').fill(note)
  await page.getByTestId('folder-input').setInputFiles(dir)
  await page.getByTestId('picked-summary').waitFor()
  if (shotName !== undefined) await shot(page, shotName)
  await page.getByRole('button', { name: 'Send' }).click()
}
await signIn(page, 'alice')
await send('Spring campaign — final cut', ['bob', 'post'], folder, 'Final cut and stills for review. The subtitles are in edit/.', '03-new-package')
await page.getByTestId('package-state').waitFor({ timeout: 60000 })
await send('Raw footage, day 2', ['bob'], big, 'Camera A, card 2.')
await page.waitForTimeout(2500)
await page.getByRole('button', { name: 'Pause' }).click()
await page.waitForTimeout(800)
await shot(page, '04-upload-paused')
await page.getByRole('button', { name: 'Resume' }).click()
await page.getByTestId('package-state').waitFor({ timeout: 120000 })
await shot(page, '05-package')
await page.goto(`${base}/admin/users`); await page.getByRole('table').waitFor(); await shot(page, '07-admin-users')
await page.goto(`${base}/admin/groups`); await page.getByRole('table').waitFor(); await shot(page, '08-admin-groups')
await page.goto(`${base}/admin/nodes`); await page.getByRole('table').waitFor(); await page.waitForTimeout(2500); await shot(page, '09-admin-nodes')
await page.goto(`${base}/admin/audit`); await page.getByRole('table').waitFor(); await shot(page, '10-admin-audit')
await page.goto(`${base}/sent`); await page.getByRole('table').waitFor(); await shot(page, '06-sent')

const ctx2 = await chromium.launchPersistentContext(await mkdtemp(join(work, 'chr-')), { executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], viewport: { width: 1200, height: 760 }, colorScheme: 'light' })
const bobPage = await ctx2.newPage()
await bobPage.goto(`${base}/inbox`)
await bobPage.getByLabel('Name or email').fill('bob'); await bobPage.getByLabel('Password').fill('bob-password')
await bobPage.getByRole('button', { name: 'Sign in' }).click()
await bobPage.getByRole('table').waitFor()
await bobPage.getByRole('button', { name: /^Notifications/ }).click()
await shot(bobPage, '02-inbox-notifications')
const phone = await ctx2.newPage()
await phone.setViewportSize({ width: 390, height: 780 })
await phone.goto(`${base}/inbox`); await phone.getByRole('table').waitFor(); await shot(phone, '11-phone-inbox')
await phone.getByRole('link', { name: /Spring campaign/ }).click(); await phone.getByTestId('package-state').waitFor(); await shot(phone, '12-phone-package')
await ctx.close(); await ctx2.close()
for (const n of nodes) n.proc.kill('SIGTERM')
await portal.close()
await rm(work, { recursive: true, force: true })
console.log(`screenshots in ${out}`)
process.exit(0)
