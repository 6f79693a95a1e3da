// JSON over HTTP to the portal's /api/v1, with the portal's coded errors passed through and network failures explained.
import { FerryError, type FerryErrorCode } from '@ferry/protocol'

export interface PortalHttpOptions {
  portalUrl: string
  /** API token (Bearer) or undefined before login. */
  token?: string
  signal?: AbortSignal
}

export class PortalHttp {
  readonly baseUrl: string
  private readonly token: string | undefined
  private readonly signal: AbortSignal | undefined

  constructor (options: PortalHttpOptions) {
    this.baseUrl = normalizePortalUrl(options.portalUrl)
    this.token = options.token
    this.signal = options.signal
  }

  async request<T> (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.raw(method, path, body, headers)
    const text = await response.text()
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch (err) {
      throw new FerryError('FERRY_CLI_PORTAL_RESPONSE', `the portal at ${this.baseUrl} answered ${method} ${path} with something that is not JSON; is this really a Ferry portal?`, { cause: err })
    }
  }

  /** Sends the request and returns the response when it is 2xx; otherwise throws the portal's coded error. */
  async raw (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const url = this.baseUrl + path
    const all: Record<string, string> = { accept: 'application/json', ...headers }
    if (this.token !== undefined) all.authorization = `Bearer ${this.token}`
    if (body !== undefined) all['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(url, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), signal: this.signal })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new FerryError('FERRY_CLI_PORTAL_UNREACHABLE', `cannot reach the portal at ${this.baseUrl} (${causeText(err)}); check the URL, or start one with \`ferry up\``, { cause: err })
    }
    if (response.ok) return response
    const text = await response.text().catch(() => '')
    let payload: { code?: unknown, message?: unknown, error?: unknown } = {}
    try { payload = JSON.parse(text) } catch { /* not JSON: fall through to the status line */ }
    const message = typeof payload.message === 'string' ? payload.message : `${response.status} ${response.statusText}`
    if (response.status === 401) {
      throw new FerryError('FERRY_CLI_UNAUTHORIZED', `the portal refused the request (${message}); run \`ferry login ${this.baseUrl}\` again`, { statusCode: 401, details: { portalCode: payload.code } })
    }
    const code: FerryErrorCode = typeof payload.code === 'string' && payload.code.startsWith('FERRY_') ? payload.code as FerryErrorCode : 'FERRY_CLI_PORTAL_ERROR'
    throw new FerryError(code, `${method} ${path}: ${message}`, { statusCode: response.status })
  }
}

/** `localhost:8080` → `http://localhost:8080`; trailing slashes and a trailing /api/v1 are dropped. */
export function normalizePortalUrl (input: string): string {
  let text = input.trim()
  if (!/^https?:\/\//i.test(text)) text = 'http://' + text
  let url: URL
  try {
    url = new URL(text)
  } catch (err) {
    throw new FerryError('FERRY_CLI_PORTAL_URL', `"${input}" is not a portal URL; give one like http://127.0.0.1:8080`, { cause: err })
  }
  return (url.origin + url.pathname).replace(/\/+$/, '').replace(/\/api\/v1$/, '')
}

function causeText (err: unknown): string {
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}
