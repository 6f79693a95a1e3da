// The portal's Ed25519 token-signing keys: created on first start in dataDir, rotated on demand, old public keys kept in the JWKS.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose'
import { randomId } from '../store/random-id.js'

interface StoredKey { kid: string, privateJwk: JWK, publicJwk: JWK, createdAtMs: number }

export class SigningKeys {
  private keys: StoredKey[] = []
  private currentPrivate: CryptoKey | KeyObject | undefined

  /** `dir` undefined keeps keys in memory only (unit tests). */
  constructor (private readonly dir: string | undefined, private readonly nowMs: () => number) {}

  async start (): Promise<void> {
    const file = this.file()
    if (file !== undefined && existsSync(file)) {
      this.keys = (JSON.parse(await readFile(file, 'utf8')) as { keys: StoredKey[] }).keys
    }
    if (this.keys.length === 0) await this.rotate()
    else await this.loadCurrent()
  }

  /** Makes a new current key; tokens signed with older keys keep verifying until they expire. */
  async rotate (): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const kid = `k-${randomId(9)}`
    const publicJwk = { ...await exportJWK(publicKey), kid, alg: 'EdDSA', use: 'sig' }
    const privateJwk = { ...await exportJWK(privateKey), kid, alg: 'EdDSA' }
    this.keys.push({ kid, privateJwk, publicJwk, createdAtMs: this.nowMs() })
    await this.persist()
    await this.loadCurrent()
    return kid
  }

  current (): { kid: string, privateKey: CryptoKey | KeyObject } {
    if (this.currentPrivate === undefined) throw new Error('SigningKeys.start() was not called')
    return { kid: this.keys[this.keys.length - 1]!.kid, privateKey: this.currentPrivate }
  }

  /** Every public key, newest last, as nodes fetch it from GET /api/v1/keys. */
  jwks (): { keys: JWK[] } {
    return { keys: this.keys.map(k => k.publicJwk) }
  }

  private async loadCurrent (): Promise<void> {
    const latest = this.keys[this.keys.length - 1]!
    this.currentPrivate = await importJWK(latest.privateJwk, 'EdDSA') as CryptoKey | KeyObject
  }

  private file (): string | undefined {
    return this.dir === undefined ? undefined : join(this.dir, 'portal-signing-keys.json')
  }

  private async persist (): Promise<void> {
    const file = this.file()
    if (file === undefined || this.dir === undefined) return
    await mkdir(this.dir, { recursive: true })
    // Write then rename, so a crash never leaves a half-written key file.
    await writeFile(file + '.tmp', JSON.stringify({ keys: this.keys }, null, 2), { mode: 0o600 })
    await rename(file + '.tmp', file)
  }
}
