// Talks to the person's desktop agent (`ferry agent`) on loopback: detect it, pair once (the key lives in localStorage), hand it transfers, read progress.

/** Where `ferry agent` listens unless told otherwise; `localStorage['ferry.agentUrl']` overrides it. */
export const DEFAULT_AGENT_URL = 'http://127.0.0.1:7710'
const KEY_STORAGE = 'ferry.agentKey'

export interface AgentNode { id: string, name: string, multiaddrs: string[], udpHost: string, udpPort: number, httpUrl: string }

export interface AgentDownloadSpec {
  direction: 'download'
  packageId: string
  title?: string
  token: string
  node: AgentNode
  files: Array<{ path: string, sizeBytes: number, sha256?: string }>
}

export interface AgentTransferView {
  id: string
  approvalCode: string
  state: 'awaiting-approval' | 'denied' | 'running' | 'complete' | 'failed'
  destination?: string
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  etaSeconds: number | null
  filesDone: number
  filesTotal: number
  currentFile?: string
  via?: 'udp' | 'gateway'
  receipt?: string
  error?: { code: string, message: string }
}

export class AgentUnavailableError extends Error {
  override readonly name = 'AgentUnavailableError'
  readonly code = 'FERRY_WEB_AGENT_UNAVAILABLE'
}

export class AgentClient {
  readonly baseUrl: string
  constructor (baseUrl?: string) {
    this.baseUrl = baseUrl ?? localStorage.getItem('ferry.agentUrl') ?? DEFAULT_AGENT_URL
  }

  private get key (): string { return localStorage.getItem(KEY_STORAGE) ?? '' }

  /** Whether an agent runs here and answers this portal, and whether this browser is paired with it. */
  async detect (signal?: AbortSignal): Promise<{ running: boolean, paired: boolean }> {
    try {
      const hello = await this.call<{ agent: string, paired: boolean }>('GET', '/agent/v1/hello', undefined, signal)
      return { running: hello.agent === 'ferry', paired: hello.paired }
    } catch (err) {
      if (err instanceof AgentUnavailableError) return { running: false, paired: false }
      throw err
    }
  }

  async startPairing (): Promise<{ pairingId: string, code: string }> {
    return await this.call('POST', '/agent/v1/pairings')
  }

  /** Asks until the person answers (or the signal aborts); stores the key the agent hands out once. */
  async finishPairing (pairingId: string, signal: AbortSignal, pollMs = 500): Promise<boolean> {
    while (!signal.aborted) {
      const status = await this.call<{ state: string, key?: string }>('GET', `/agent/v1/pairings/${encodeURIComponent(pairingId)}`, undefined, signal)
      if (status.state === 'approved' && status.key !== undefined) {
        localStorage.setItem(KEY_STORAGE, status.key)
        return true
      }
      if (status.state !== 'pending') return false
      await new Promise(resolve => setTimeout(resolve, pollMs))
    }
    return false
  }

  async submit (spec: AgentDownloadSpec): Promise<AgentTransferView> {
    return await this.call('POST', '/agent/v1/transfers', spec)
  }

  async transfer (id: string, signal?: AbortSignal): Promise<AgentTransferView> {
    return await this.call('GET', `/agent/v1/transfers/${encodeURIComponent(id)}`, undefined, signal)
  }

  private async call<T> (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.key !== '') headers['x-ferry-agent-key'] = this.key
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, { method, headers, mode: 'cors', credentials: 'omit', signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    } catch (err) {
      if (signal?.aborted === true) throw err
      throw new AgentUnavailableError('the desktop agent is not running', { cause: err })
    }
    const parsed = await response.json().catch(() => ({})) as T & { error?: { code: string, message: string } }
    if (!response.ok) {
      if (parsed.error?.code === 'FERRY_AGENT_NOT_PAIRED') localStorage.removeItem(KEY_STORAGE)
      throw Object.assign(new Error(parsed.error?.message ?? `agent answered ${response.status}`), { code: parsed.error?.code ?? `HTTP_${response.status}` })
    }
    return parsed
  }
}
