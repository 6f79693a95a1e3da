// Issues transfer tokens for one package, one node and one direction, and remembers each token id so receipts can be matched to it.
import { signTransferToken, type TransferDirection } from '@ferry/protocol/token/transfer-token'
import type { Clock } from '../clock.js'
import type { Collection } from '../store/level-collection.js'
import type { IssuedTokenRecord } from '../store/records.js'
import { randomId } from '../store/random-id.js'
import type { SigningKeys } from './signing-keys.js'

/** Lifetime of a transfer token (s): long enough to open a transfer, short enough that a leaked one soon dies (contract: ≤ 60 min). */
export const TRANSFER_TOKEN_LIFETIME_SEC = 30 * 60

export interface TokenRequest {
  nodeId: string
  pkg: string
  dir: TransferDirection
  sub: string
  paths?: string[]
  maxBytes: number
  once?: boolean
}

export class TokenIssuer {
  constructor (
    private readonly keys: SigningKeys,
    private readonly issued: Collection<IssuedTokenRecord>,
    private readonly clock: Clock,
    /** The portal's id in the `iss` claim. */
    readonly issuer: string
  ) {}

  async issue (request: TokenRequest): Promise<{ token: string, jti: string, expiresAtMs: number }> {
    const iat = Math.floor(this.clock.nowMs() / 1000)
    const exp = iat + TRANSFER_TOKEN_LIFETIME_SEC
    const jti = randomId(16)
    const { kid, privateKey } = this.keys.current()
    const token = await signTransferToken({
      iss: this.issuer,
      aud: request.nodeId,
      sub: request.sub,
      pkg: request.pkg,
      dir: request.dir,
      paths: request.paths ?? ['*'],
      maxBytes: request.maxBytes,
      jti,
      iat,
      exp,
      ...(request.once === true ? { once: true } : {})
    }, { privateKey, kid })
    await this.issued.put(jti, { jti, pkg: request.pkg, dir: request.dir, sub: request.sub, nodeId: request.nodeId, issuedAtMs: iat * 1000, expiresAtMs: exp * 1000 })
    return { token, jti, expiresAtMs: exp * 1000 }
  }

  async lookup (jti: string): Promise<IssuedTokenRecord | undefined> {
    return await this.issued.get(jti)
  }
}
