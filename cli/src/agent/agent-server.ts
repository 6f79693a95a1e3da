// The desktop agent's loopback HTTP service: the configured portal's pages pair once, then hand it transfers, which run only after the person approves.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { FerryError, isFerryError } from '@ferry/protocol'
import { classifyCaller, type Caller } from './origin-policy.js'
import { AgentStateStore, type AgentState } from './agent-state-store.js'
import { publicView, type AgentTransferRecord, type AgentTransferSpec } from './agent-transfer-record.js'
import { downloadDestination, runAgentTransfer, type RunnerDeps } from './agent-transfer-runner.js'

export interface AgentOptions {
  host: string
  port: number
  /** Origin of the portal whose pages may use the agent, e.g. http://127.0.0.1:8080. */
  portalOrigin: string
  downloadDir: string
  stateDir: string
}

export interface AgentEvents {
  /** The person must answer: `ferry agent approve CODE` (or `--deny`). */
  approvalNeeded (approval: PendingApproval): void
  log (line: string): void
}

export interface PendingApproval {
  code: string
  kind: 'pair' | 'transfer'
  /** What approving allows, in words, with every path the agent will read or write. */
  description: string
}

interface Pairing { id: string, code: string, state: 'pending' | 'approved' | 'denied', key?: string, keyDelivered: boolean }

/** Largest request body accepted (bytes): a transfer spec with a few thousand file entries fits. */
const MAX_BODY_BYTES = 4 * 1024 * 1024
/** Pairings waiting for an answer at once: more is a page spamming the person. */
const MAX_PENDING_PAIRINGS = 5
/** Least gap between two saves of progress to disk (ms). */
const SAVE_INTERVAL_MS = 2_000
export const AGENT_VERSION = '1'

export class AgentServer {
  private server: Server | undefined
  private state!: AgentState
  private readonly store: AgentStateStore
  private readonly pairings = new Map<string, Pairing>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly stopping = new AbortController()
  private lastSaveMs = 0

  constructor (private readonly options: AgentOptions, private readonly runner: Omit<RunnerDeps, 'onChange' | 'log'>, private readonly events: AgentEvents) {
    this.store = new AgentStateStore(options.stateDir)
  }

  get url (): string {
    const address = this.server?.address() as AddressInfo | undefined
    return `http://${this.options.host}:${address?.port ?? this.options.port}`
  }

  get adminSecret (): string { return this.state.adminSecret }
  get stateFile (): string { return this.store.file }

  async start (): Promise<void> {
    this.state = await this.store.load()
    this.server = createServer((req, res) => { void this.handle(req, res) })
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject)
      this.server!.listen(this.options.port, this.options.host, () => resolve())
    })
    // Transfers that were running (or approved) when the agent stopped continue from their journals.
    for (const record of this.state.transfers) {
      if (record.state === 'running') this.launch(record)
      if (record.state === 'awaiting-approval') this.events.approvalNeeded(this.approvalFor(record))
    }
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    await Promise.allSettled(this.running.values())
    await this.store.save(this.state)
    // Browsers keep idle keep-alive sockets open for minutes: drop them, or close() would wait for them.
    const closed = new Promise<void>(resolve => this.server?.close(() => resolve()) ?? resolve())
    this.server?.closeAllConnections()
    await closed
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = classifyCaller({ origin: header(req, 'origin'), authorization: header(req, 'authorization'), host: header(req, 'host') }, this.options.portalOrigin, this.state.adminSecret)
    if (caller.kind === 'refused') {
      // No CORS headers: a page from any other origin cannot even read this refusal's body.
      send(res, 403, { error: { code: 'FERRY_AGENT_FORBIDDEN', message: 'not allowed' } })
      return
    }
    if (caller.kind === 'portal-page') {
      res.setHeader('Access-Control-Allow-Origin', caller.origin)
      res.setHeader('Vary', 'Origin')
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST')
        res.setHeader('Access-Control-Allow-Headers', 'content-type, x-ferry-agent-key')
        res.setHeader('Access-Control-Allow-Private-Network', 'true')
        res.setHeader('Access-Control-Max-Age', '600')
        res.writeHead(204).end()
        return
      }
    }
    try {
      const path = new URL(req.url ?? '/', 'http://agent').pathname
      const result = await this.route(req, path, caller)
      send(res, result.status, result.body)
    } catch (err) {
      const coded = isFerryError(err) ? err : new FerryError('FERRY_AGENT_INTERNAL', 'the agent failed to handle the request', { statusCode: 500, cause: err })
      if (!isFerryError(err)) this.events.log(`internal error: ${(err as Error).stack ?? String(err)}`)
      send(res, coded.statusCode, { error: { code: coded.code, message: coded.message } })
    }
  }

  private async route (req: IncomingMessage, path: string, caller: Caller): Promise<{ status: number, body: unknown }> {
    const method = req.method ?? 'GET'
    if (caller.kind === 'local-admin') {
      if (method === 'GET' && path === '/agent/v1/approvals') return { status: 200, body: { approvals: this.pendingApprovals() } }
      const approve = /^\/agent\/v1\/approvals\/([A-Za-z0-9-]+)$/.exec(path)
      if (method === 'POST' && approve !== null) {
        const body = await readJson(req) as { approve?: unknown }
        return { status: 200, body: this.answer(approve[1]!, body.approve !== false) }
      }
      if (method === 'GET' && path === '/agent/v1/transfers') return { status: 200, body: { transfers: this.state.transfers.map(publicView) } }
      throw notFound()
    }
    if (method === 'GET' && path === '/agent/v1/hello') {
      return { status: 200, body: { agent: 'ferry', version: AGENT_VERSION, paired: this.keyIsValid(header(req, 'x-ferry-agent-key')) } }
    }
    if (method === 'POST' && path === '/agent/v1/pairings') return { status: 201, body: this.startPairing() }
    const pairing = /^\/agent\/v1\/pairings\/([A-Za-z0-9-]+)$/.exec(path)
    if (method === 'GET' && pairing !== null) return { status: 200, body: await this.pairingStatus(pairing[1]!) }
    // Everything below needs the key a pairing handed this page.
    if (!this.keyIsValid(header(req, 'x-ferry-agent-key'))) {
      throw new FerryError('FERRY_AGENT_NOT_PAIRED', 'pair this browser with the agent first', { statusCode: 401 })
    }
    if (method === 'POST' && path === '/agent/v1/transfers') return { status: 202, body: publicView(await this.submit(await readJson(req))) }
    if (method === 'GET' && path === '/agent/v1/transfers') return { status: 200, body: { transfers: this.state.transfers.map(publicView) } }
    const transfer = /^\/agent\/v1\/transfers\/([A-Za-z0-9-]+)$/.exec(path)
    if (method === 'GET' && transfer !== null) {
      const record = this.state.transfers.find(t => t.id === transfer[1])
      if (record === undefined) throw notFound()
      return { status: 200, body: publicView(record) }
    }
    throw notFound()
  }

  private startPairing (): { pairingId: string, code: string } {
    const pending = [...this.pairings.values()].filter(p => p.state === 'pending')
    if (pending.length >= MAX_PENDING_PAIRINGS) throw new FerryError('FERRY_AGENT_BUSY', 'too many pairings are waiting for an answer', { statusCode: 429 })
    const pairing: Pairing = { id: randomUUID(), code: approvalCode(), state: 'pending', keyDelivered: false }
    this.pairings.set(pairing.id, pairing)
    this.events.approvalNeeded({ code: pairing.code, kind: 'pair', description: `let pages of ${this.options.portalOrigin} hand transfers to this agent (the page shows code ${pairing.code})` })
    return { pairingId: pairing.id, code: pairing.code }
  }

  private async pairingStatus (id: string): Promise<{ state: string, key?: string }> {
    const pairing = this.pairings.get(id)
    if (pairing === undefined) throw notFound()
    if (pairing.state !== 'approved' || pairing.keyDelivered) return { state: pairing.state }
    // The key leaves the agent exactly once, to the page that asked; only its hash is kept.
    const key = randomBytes(32).toString('base64url')
    pairing.keyDelivered = true
    this.state.pairedKeyHashes.push(hashKey(key))
    await this.store.save(this.state)
    return { state: 'approved', key }
  }

  private keyIsValid (key: string | undefined): boolean {
    return key !== undefined && key !== '' && this.state.pairedKeyHashes.includes(hashKey(key))
  }

  private async submit (body: unknown): Promise<AgentTransferRecord> {
    const spec = parseSpec(body)
    const record: AgentTransferRecord = {
      id: randomUUID(), approvalCode: approvalCode(), spec, state: 'awaiting-approval',
      ...(spec.direction === 'download' ? { destination: downloadDestination(this.options.downloadDir, spec.packageId) } : {}),
      bytesDone: 0, bytesTotal: (spec.files ?? []).reduce((n, f) => n + f.sizeBytes, 0), rateBitsPerSec: 0, etaSeconds: null, filesDone: 0, filesTotal: spec.files?.length ?? 0
    }
    this.state.transfers.push(record)
    await this.store.save(this.state)
    this.events.approvalNeeded(this.approvalFor(record))
    return record
  }

  private approvalFor (record: AgentTransferRecord): PendingApproval {
    const what = record.spec.title === undefined ? record.spec.packageId : `"${record.spec.title}" (${record.spec.packageId})`
    const description = record.spec.direction === 'download'
      ? `download package ${what}: ${record.filesTotal} file(s) from ${record.spec.node.name}, written into ${record.destination}`
      : `upload package ${what} to ${record.spec.node.name}, reading: ${(record.spec.localPaths ?? []).join(', ')}`
    return { code: record.approvalCode, kind: 'transfer', description }
  }

  private pendingApprovals (): PendingApproval[] {
    const pairs = [...this.pairings.values()].filter(p => p.state === 'pending')
      .map(p => ({ code: p.code, kind: 'pair' as const, description: `pair pages of ${this.options.portalOrigin} with this agent` }))
    const transfers = this.state.transfers.filter(t => t.state === 'awaiting-approval').map(t => this.approvalFor(t))
    return [...pairs, ...transfers]
  }

  private answer (code: string, approve: boolean): { code: string, kind: string, state: string } {
    const pairing = [...this.pairings.values()].find(p => p.code === code && p.state === 'pending')
    if (pairing !== undefined) {
      pairing.state = approve ? 'approved' : 'denied'
      this.events.log(`pairing ${code} ${pairing.state}`)
      return { code, kind: 'pair', state: pairing.state }
    }
    const record = this.state.transfers.find(t => t.approvalCode === code && t.state === 'awaiting-approval')
    if (record === undefined) throw new FerryError('FERRY_AGENT_NO_SUCH_APPROVAL', `nothing is waiting for approval under code ${code}; see \`ferry agent pending\``, { statusCode: 404 })
    if (!approve) {
      record.state = 'denied'
      void this.store.save(this.state)
      return { code, kind: 'transfer', state: 'denied' }
    }
    this.launch(record)
    return { code, kind: 'transfer', state: 'running' }
  }

  private launch (record: AgentTransferRecord): void {
    const deps: RunnerDeps = {
      ...this.runner,
      onChange: changed => this.persistSoon(changed),
      log: line => this.events.log(line)
    }
    const run = runAgentTransfer(record, deps, this.stopping.signal).finally(() => {
      this.running.delete(record.id)
      void this.store.save(this.state)
    })
    this.running.set(record.id, run)
  }

  private persistSoon (record: AgentTransferRecord): void {
    const now = Date.now()
    if (record.state === 'running' && now - this.lastSaveMs < SAVE_INTERVAL_MS) return
    this.lastSaveMs = now
    void this.store.save(this.state)
  }
}

function parseSpec (body: unknown): AgentTransferSpec {
  const b = body as Partial<AgentTransferSpec> | null
  const bad = (what: string): FerryError => new FerryError('FERRY_AGENT_BAD_SPEC', `transfer spec: ${what}`, { statusCode: 400 })
  if (b === null || typeof b !== 'object') throw bad('expected a JSON object')
  if (b.direction !== 'download' && b.direction !== 'upload') throw bad('direction must be download or upload')
  if (typeof b.packageId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(b.packageId)) throw bad('packageId must be an id')
  if (typeof b.token !== 'string' || b.token.length > 8192) throw bad('token must be a transfer token')
  const n = b.node
  if (n === undefined || typeof n.id !== 'string' || typeof n.name !== 'string' || !Array.isArray(n.multiaddrs) ||
      typeof n.udpHost !== 'string' || typeof n.udpPort !== 'number' || typeof n.httpUrl !== 'string' || !/^https?:\/\//.test(n.httpUrl)) {
    throw bad('node must give id, name, multiaddrs, udpHost, udpPort and an http(s) httpUrl')
  }
  if (b.direction === 'download' && (!Array.isArray(b.files) || b.files.some(f => typeof f?.path !== 'string' || typeof f.sizeBytes !== 'number'))) {
    throw bad('a download lists the package files (path, sizeBytes)')
  }
  if (b.direction === 'upload' && (!Array.isArray(b.localPaths) || b.localPaths.length === 0 || b.localPaths.some(p => typeof p !== 'string' || !p.startsWith('/')))) {
    throw bad('an upload names the absolute local paths to send')
  }
  return {
    direction: b.direction, packageId: b.packageId, token: b.token, node: n,
    ...(typeof b.title === 'string' ? { title: b.title.slice(0, 200) } : {}),
    ...(b.files === undefined ? {} : { files: b.files }),
    ...(b.localPaths === undefined ? {} : { localPaths: b.localPaths }),
    ...(b.rate === undefined ? {} : { rate: b.rate })
  }
}

function approvalCode (): string {
  const digits = randomBytes(4).readUInt32BE(0) % 1_000_000
  return `${String(digits).padStart(6, '0').slice(0, 3)}-${String(digits).padStart(6, '0').slice(3)}`
}

function hashKey (key: string): string { return createHash('sha256').update(key).digest('hex') }

function header (req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function notFound (): FerryError { return new FerryError('FERRY_AGENT_NOT_FOUND', 'no such agent resource', { statusCode: 404 }) }

async function readJson (req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new FerryError('FERRY_AGENT_BAD_SPEC', 'request body too large', { statusCode: 413 })
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  } catch {
    throw new FerryError('FERRY_AGENT_BAD_SPEC', 'request body is not JSON', { statusCode: 400 })
  }
}

function send (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  res.end(text)
}
