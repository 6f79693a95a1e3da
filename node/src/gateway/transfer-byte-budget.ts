// Enforces a transfer token's maxBytes across the many HTTP requests a browser or curl makes with it.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { TransferTokenClaims } from '@ferry/protocol/token/transfer-token'

/**
 * Bytes charged per token id, held in memory until the token expires (a token lives at most 60 minutes, so a restart
 * forgets at most one token's worth; uploads are also bounded by their declared Upload-Length).
 */
export class TransferByteBudget {
  private readonly used = new Map<string, { bytes: number, expMs: number }>()
  private readonly charged = new Map<string, number>()

  /** Bytes the token may still move. */
  remaining (claims: Pick<TransferTokenClaims, 'jti' | 'maxBytes'>): number {
    return claims.maxBytes - (this.used.get(claims.jti)?.bytes ?? 0)
  }

  /** Refuses with FERRY_GATEWAY_BYTE_LIMIT (413) unless `bytes` more fit in the token's budget. */
  check (claims: Pick<TransferTokenClaims, 'jti' | 'maxBytes'>, bytes: number): void {
    if (bytes > this.remaining(claims)) {
      throw new FerryError('FERRY_GATEWAY_BYTE_LIMIT', 'this transfer token\'s byte allowance is used up', {
        statusCode: 413, details: { maxBytes: claims.maxBytes, remainingBytes: Math.max(0, this.remaining(claims)), requestedBytes: bytes }
      })
    }
  }

  charge (claims: Pick<TransferTokenClaims, 'jti' | 'exp'>, bytes: number): void {
    const entry = this.used.get(claims.jti) ?? { bytes: 0, expMs: claims.exp * 1000 }
    entry.bytes += bytes
    this.used.set(claims.jti, entry)
  }

  /** Checks and charges `bytes` once per (token, key): a resumed upload is charged to a new token only once. */
  chargeOnce (claims: Pick<TransferTokenClaims, 'jti' | 'exp' | 'maxBytes'>, key: string, bytes: number): void {
    const id = claims.jti + '\0' + key
    if (this.charged.has(id)) return
    this.check(claims, bytes)
    this.charge(claims, bytes)
    this.charged.set(id, bytes)
  }

  /** Gives back what chargeOnce took for `key` from every token (an upload terminated or refused at the end). */
  refund (key: string): void {
    for (const [id, bytes] of this.charged) {
      const [jti, chargedKey] = id.split('\0')
      if (chargedKey !== key || jti === undefined) continue
      const entry = this.used.get(jti)
      if (entry !== undefined) entry.bytes = Math.max(0, entry.bytes - bytes)
      this.charged.delete(id)
    }
  }

  /** Forgets tokens that expired before `nowMs`. */
  prune (nowMs: number): void {
    for (const [jti, entry] of this.used) {
      if (entry.expMs < nowMs) {
        this.used.delete(jti)
        for (const id of this.charged.keys()) if (id.startsWith(jti + '\0')) this.charged.delete(id)
      }
    }
  }
}
