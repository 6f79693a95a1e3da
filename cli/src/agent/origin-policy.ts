// Decides who may talk to the desktop agent: pages of the one configured portal origin (browser side), or the local user's CLI holding the admin secret.
import { timingSafeEqual, createHash } from 'node:crypto'

export type Caller =
  | { kind: 'portal-page', origin: string }
  | { kind: 'local-admin' }
  | { kind: 'refused' }

export interface RequestFacts {
  origin: string | undefined
  authorization: string | undefined
  /** Host header: a DNS-rebinding page reaches 127.0.0.1 under a foreign name, so only loopback names are served. */
  host: string | undefined
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Constant-time comparison of two secrets of any length (compares their SHA-256). */
export function secretsEqual (a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest()
  const db = createHash('sha256').update(b).digest()
  return timingSafeEqual(da, db)
}

/** Normalizes a portal URL or origin to its origin (`http://127.0.0.1:8080`). */
export function originOf (url: string): string {
  return new URL(url).origin
}

export function classifyCaller (facts: RequestFacts, portalOrigin: string, adminSecret: string): Caller {
  const hostName = (facts.host ?? '').replace(/:\d+$/, '')
  if (!LOOPBACK_HOSTS.has(hostName)) return { kind: 'refused' }
  if (facts.origin !== undefined) {
    // A browser always names the page's origin on cross-origin requests; only the configured portal's pages get in.
    return facts.origin === portalOrigin ? { kind: 'portal-page', origin: facts.origin } : { kind: 'refused' }
  }
  const bearer = facts.authorization?.startsWith('Bearer ') === true ? facts.authorization.slice(7) : undefined
  if (bearer !== undefined && secretsEqual(bearer, adminSecret)) return { kind: 'local-admin' }
  return { kind: 'refused' }
}
