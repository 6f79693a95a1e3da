// The portal's public token keys as this node knows them: given in config, and refreshed from the portal's JWKS URL.
import type { JSONWebKeySet, JWK } from 'jose'
import { FerryError } from '@ferry/protocol'

export interface PortalKeyRingInit {
  /** Keys from config (inline or a file main.ts read). */
  staticKeys: JSONWebKeySet | undefined
  /** The portal's GET /api/v1/keys, fetched by `refresh()`. */
  jwksUrl: string | undefined
}

/** Longest a JWKS fetch may take (ms); the node keeps its previous keys when the portal is slow. */
const FETCH_TIMEOUT_MS = 5_000

/**
 * Holds the current key set. `refresh()` replaces the fetched part (keeping static keys), so a rotated portal key is
 * accepted after the next refresh; on fetch failure the previous keys stay and the error is returned, not thrown.
 */
export class PortalKeyRing {
  private fetched: JWK[] = []
  private readonly init: PortalKeyRingInit
  private readonly fetchFn: typeof fetch

  constructor (init: PortalKeyRingInit, components: { fetch: typeof fetch }) {
    this.init = init
    this.fetchFn = components.fetch
  }

  get keys (): JSONWebKeySet {
    return { keys: [...(this.init.staticKeys?.keys ?? []), ...this.fetched] }
  }

  get hasSource (): boolean {
    return this.init.jwksUrl !== undefined || this.init.staticKeys !== undefined
  }

  async refresh (): Promise<FerryError | undefined> {
    if (this.init.jwksUrl === undefined) return undefined
    try {
      const res = await this.fetchFn(this.init.jwksUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const body = await res.json() as { keys?: unknown }
      if (!Array.isArray(body.keys)) throw new Error('no keys array')
      this.fetched = body.keys.filter((k): k is JWK => typeof k === 'object' && k !== null)
      return undefined
    } catch (err) {
      return new FerryError('FERRY_NODE_PORTAL_KEYS', `cannot fetch portal keys from ${this.init.jwksUrl}`, { cause: err, statusCode: 503 })
    }
  }
}
