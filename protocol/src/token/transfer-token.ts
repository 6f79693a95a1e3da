// The transfer token: an Ed25519-signed JWT by which the portal says who may move what where; nodes verify it offline.
import { SignJWT, jwtVerify, createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type CryptoKey, type KeyObject } from 'jose'
import { FerryError } from '../errors/ferry-error.js'

export type TransferDirection = 'upload' | 'download'

/** The claims a node acts on. Times are seconds since the epoch, as JWT has them. */
export interface TransferTokenClaims {
  /** Issuer: the portal's id. */
  iss: string
  /** Audience: the node id (libp2p peer id) this token is for. */
  aud: string
  /** Subject: the user (or `node:<id>` for node-to-node sends) the portal acts for. */
  sub: string
  /** Package id the transfer belongs to. */
  pkg: string
  dir: TransferDirection
  /** Relative paths inside the package this token covers; `['*']` covers the whole package. */
  paths: string[]
  /** Upper bound on payload bytes moved with this token. */
  maxBytes: number
  /** Token id, unique per token; nodes refuse a second use of a single-use token by it. */
  jti: string
  iat: number
  exp: number
  /** True when the node must refuse the token after its first use. */
  once?: boolean
}

/** Longest lifetime a transfer token may have (seconds): long enough to start a transfer, short enough to leak little. */
export const MAX_TOKEN_LIFETIME_SEC = 60 * 60

export interface SignOptions {
  privateKey: CryptoKey | KeyObject
  /** Key id for rotation; nodes look the public key up by it. */
  kid: string
}

export async function signTransferToken (claims: TransferTokenClaims, options: SignOptions): Promise<string> {
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_SEC) {
    throw new FerryError('FERRY_TOKEN_LIFETIME', `a transfer token may live at most ${MAX_TOKEN_LIFETIME_SEC} s`, { statusCode: 400 })
  }
  const { iss, aud, sub, jti, iat, exp, ...rest } = claims
  return await new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid, typ: 'ferry-transfer+jwt' })
    .setIssuer(iss).setAudience(aud).setSubject(sub).setJti(jti).setIssuedAt(iat).setExpirationTime(exp)
    .sign(options.privateKey)
}

export interface VerifyOptions {
  /** The portal's public keys, as published at enrolment (JWKS). */
  keys: JSONWebKeySet
  /** This node's id; tokens for any other audience are refused. */
  audience: string
  /** Current time in ms since the epoch (injected: the core never reads the clock). */
  nowMs: number
  /** What the caller is about to do; a token scoped to anything else is refused. */
  expect?: { pkg?: string, dir?: TransferDirection }
}

/** Verifies signature, algorithm (EdDSA only), audience, expiry and scope; throws a coded FerryError on any failure. */
export async function verifyTransferToken (token: string, options: VerifyOptions): Promise<TransferTokenClaims> {
  let payload: Record<string, unknown>
  try {
    const result = await jwtVerify(token, createLocalJWKSet(options.keys), {
      algorithms: ['EdDSA'],
      audience: options.audience,
      currentDate: new Date(options.nowMs),
      typ: 'ferry-transfer+jwt'
    })
    payload = result.payload as Record<string, unknown>
  } catch (err) {
    throw translateJoseError(err)
  }
  const claims = payload as unknown as TransferTokenClaims
  if (typeof claims.pkg !== 'string' || (claims.dir !== 'upload' && claims.dir !== 'download') ||
      !Array.isArray(claims.paths) || typeof claims.maxBytes !== 'number' || typeof claims.jti !== 'string' ||
      typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
    throw new FerryError('FERRY_TOKEN_INVALID', 'transfer token lacks required claims', { statusCode: 401 })
  }
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_SEC) {
    throw new FerryError('FERRY_TOKEN_LIFETIME', 'transfer token lifetime exceeds the maximum', { statusCode: 401 })
  }
  if (options.expect?.pkg !== undefined && options.expect.pkg !== claims.pkg) {
    throw new FerryError('FERRY_TOKEN_SCOPE', 'transfer token is for another package', { statusCode: 403 })
  }
  if (options.expect?.dir !== undefined && options.expect.dir !== claims.dir) {
    throw new FerryError('FERRY_TOKEN_SCOPE', `transfer token is for ${claims.dir}, not ${options.expect.dir}`, { statusCode: 403 })
  }
  return claims
}

/** Whether a token's `paths` claim covers a relative path inside the package. */
export function tokenCoversPath (claims: TransferTokenClaims, relativePath: string): boolean {
  return claims.paths.some(p => p === '*' || p === relativePath || relativePath.startsWith(p.endsWith('/') ? p : p + '/'))
}

function translateJoseError (err: unknown): FerryError {
  const opts = { statusCode: 401, cause: err }
  if (err instanceof joseErrors.JWTExpired) return new FerryError('FERRY_TOKEN_EXPIRED', 'transfer token has expired', opts)
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new FerryError('FERRY_TOKEN_AUDIENCE', 'transfer token is for another node', { ...opts, statusCode: 403 })
    return new FerryError('FERRY_TOKEN_INVALID', `transfer token claim "${err.claim}" is invalid`, opts)
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new FerryError('FERRY_TOKEN_ALGORITHM', 'transfer token must be signed with EdDSA', opts)
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new FerryError('FERRY_TOKEN_UNKNOWN_KEY', 'transfer token is signed by an unknown key', opts)
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new FerryError('FERRY_TOKEN_SIGNATURE', 'transfer token signature does not verify', opts)
  return new FerryError('FERRY_TOKEN_INVALID', 'transfer token is malformed', opts)
}
