// Admits transfer tokens: offline signature/audience/expiry/scope checks, plus refusal of a second use of a single-use token.
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { FerryError, verifyTransferToken, type TransferDirection, type TransferTokenClaims } from '@ferry/protocol'
import type { PortalKeyRing } from './portal-key-ring.js'

type Db = AbstractLevel<any, string, any>

export interface TokenGateComponents {
  keyRing: PortalKeyRing
  /** The node's LevelDB; used single-use token ids live in a sublevel until they expire. */
  db: Db
  nowMs: () => number
}

/** Verifies tokens for one node (its peer id is the audience). */
export class TokenGate {
  private readonly audience: string
  private readonly components: TokenGateComponents
  private readonly used: AbstractSublevel<Db, any, string, number>
  /** Serializes single-use claims, so two concurrent opens of the same token cannot both pass. */
  private claiming: Promise<unknown> = Promise.resolve()

  constructor (audience: string, components: TokenGateComponents) {
    this.audience = audience
    this.components = components
    this.used = components.db.sublevel<string, number>('used-tokens', { valueEncoding: 'json' })
  }

  /** Checks a token without consuming it (gateway requests, which repeat the same token). */
  async verify (token: string, expect: { pkg?: string, dir?: TransferDirection }): Promise<TransferTokenClaims> {
    return await this.verifyForPeer(token, this.audience, expect)
  }

  /**
   * Checks a token issued to another node (`audience`) without consuming it: a peer forwarding a user's download token
   * to read a package this node holds (/ferry/package-read/1).
   */
  async verifyForPeer (token: string, audience: string, expect: { pkg?: string, dir?: TransferDirection }): Promise<TransferTokenClaims> {
    const keys = this.components.keyRing.keys
    if (keys.keys.length === 0) throw new FerryError('FERRY_NODE_PORTAL_KEYS', 'this node knows no portal keys yet', { statusCode: 503 })
    return await verifyTransferToken(token, { keys, audience, nowMs: this.components.nowMs(), expect })
  }

  /** Checks a token and, when it is single-use, records its id so any later presentation is refused (FERRY_NODE_TOKEN_REPLAYED). */
  async admit (token: string, expect: { pkg?: string, dir?: TransferDirection }): Promise<TransferTokenClaims> {
    const claims = await this.verify(token, expect)
    if (claims.once !== true) return claims
    const claim = this.claiming.then(async () => {
      if (await this.used.get(claims.jti) !== undefined) {
        throw new FerryError('FERRY_NODE_TOKEN_REPLAYED', 'this single-use transfer token was already used', { statusCode: 409, details: { jti: claims.jti } })
      }
      await this.used.put(claims.jti, claims.exp)
    })
    this.claiming = claim.catch(() => {})
    await claim
    return claims
  }

  /** Forgets used token ids whose tokens have expired anyway (they would be refused as expired). */
  async sweep (): Promise<number> {
    const nowSec = this.components.nowMs() / 1000
    const stale: string[] = []
    for await (const [jti, exp] of this.used.iterator()) if (exp < nowSec) stale.push(jti)
    await this.used.batch(stale.map(key => ({ type: 'del' as const, key })))
    return stale.length
  }
}
