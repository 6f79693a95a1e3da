// The transfer receipt: a node's Ed25519-signed statement of what it stored or served, which the portal trusts instead of the client's word.
import { SignJWT, jwtVerify, importJWK, type JWK, type CryptoKey, type KeyObject } from 'jose'
import { FerryError } from '../errors/ferry-error.js'
import type { TransferDirection } from './transfer-token.js'

export interface ReceiptFile {
  /** Path inside the package, `/`-separated, as in the manifest. */
  path: string
  sizeBytes: number
  /** Hex SHA-256 of the whole file, verified by the node. */
  sha256: string
}

export interface TransferReceiptClaims {
  /** Issuer: the node id (libp2p peer id) that signed it. */
  iss: string
  pkg: string
  dir: TransferDirection
  /** The transfer token's id this receipt answers. */
  jti: string
  /** Who the transfer was for (the token's subject). */
  sub: string
  files: ReceiptFile[]
  /** Seconds since the epoch when the transfer completed. */
  iat: number
}

export async function signTransferReceipt (claims: TransferReceiptClaims, privateKey: CryptoKey | KeyObject): Promise<string> {
  const { iss, sub, iat, jti, ...rest } = claims
  return await new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'ferry-receipt+jwt' })
    .setIssuer(iss).setSubject(sub).setIssuedAt(iat).setJti(jti)
    .sign(privateKey)
}

/** Verifies a receipt against the public key (JWK) of the node named as its issuer; throws FERRY_RECEIPT_INVALID. */
export async function verifyTransferReceipt (receipt: string, nodeId: string, nodePublicKey: JWK): Promise<TransferReceiptClaims> {
  try {
    const key = await importJWK(nodePublicKey, 'EdDSA')
    const { payload } = await jwtVerify(receipt, key, { algorithms: ['EdDSA'], issuer: nodeId, typ: 'ferry-receipt+jwt' })
    const claims = payload as unknown as TransferReceiptClaims
    if (typeof claims.pkg !== 'string' || !Array.isArray(claims.files) || (claims.dir !== 'upload' && claims.dir !== 'download')) {
      throw new Error('missing claims')
    }
    return claims
  } catch (err) {
    throw new FerryError('FERRY_RECEIPT_INVALID', 'transfer receipt does not verify against the node\'s key', { statusCode: 400, cause: err })
  }
}
