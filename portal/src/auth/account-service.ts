// Local accounts: users, password checks, browser sessions and CLI API tokens, with a short-lived cache of credential lookups.
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Clock } from '../clock.js'
import type { PortalDatabase } from '../store/portal-database.js'
import type { Role, UserRecord } from '../store/records.js'
import { randomId, secretHash } from '../store/random-id.js'
import { DEFAULT_SCRYPT_PARAMS, hashPassword, verifyPassword } from './password-hasher.js'
import type { AuditLog } from '../audit/audit-log.js'
import { conflict, notFound } from '../portal-errors.js'

/** Who a request acts for, once its credentials checked out. */
export interface Principal {
  user: UserRecord
  via: 'session' | 'token'
  /** Present for session credentials: mutations must echo it in `x-csrf-token`. */
  csrfToken?: string
}

export interface NewUser {
  name: string
  email: string
  displayName?: string
  password: string
  role?: Role
  external?: boolean
}

/** How long a browser session lasts without use (ms): a working day and a half. */
export const SESSION_TTL_MS = 36 * 60 * 60 * 1000
/** How long a credential lookup is cached (ms): short, so a revoked token stops working within seconds. */
const AUTH_CACHE_TTL_MS = 5_000
const AUTH_CACHE_MAX = 10_000
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/

export class AccountService {
  private readonly cache = new Map<string, { principal: Principal, untilMs: number }>()

  constructor (
    private readonly db: PortalDatabase,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    /** scrypt cost for new hashes; tests lower it (verification reads the cost stored with each hash). */
    private readonly scryptParams = DEFAULT_SCRYPT_PARAMS
  ) {}

  async createUser (input: NewUser, actor = 'system'): Promise<UserRecord> {
    if (!NAME.test(input.name)) throw new FerryError('FERRY_PORTAL_BAD_REQUEST', 'a user name is 1-64 letters, digits, dot, dash or underscore', { statusCode: 400 })
    const email = input.email.trim().toLowerCase()
    if (await this.db.userNames.get(input.name.toLowerCase()) !== undefined) throw conflict(`user name "${input.name}" is taken`)
    if (await this.db.userEmails.get(email) !== undefined) throw conflict(`email ${email} already has an account`)
    const user: UserRecord = {
      id: randomId(),
      name: input.name,
      email,
      displayName: input.displayName ?? input.name,
      role: input.role ?? 'user',
      passwordHash: await hashPassword(input.password, this.scryptParams),
      external: input.external ?? false,
      disabled: false,
      createdAtMs: this.clock.nowMs()
    }
    await this.db.level.batch([
      { type: 'put', key: user.id, value: user, sublevel: this.db.users.level },
      { type: 'put', key: user.name.toLowerCase(), value: user.id, sublevel: this.db.userNames.level },
      { type: 'put', key: email, value: user.id, sublevel: this.db.userEmails.level }
    ] as any)
    await this.audit.record(actor, 'user.create', user.id, { name: user.name, role: user.role, external: user.external })
    return user
  }

  async getUser (id: string): Promise<UserRecord | undefined> { return await this.db.users.get(id) }

  async requireUser (id: string): Promise<UserRecord> {
    const user = await this.db.users.get(id)
    if (user === undefined) throw notFound('user')
    return user
  }

  async findByName (name: string): Promise<UserRecord | undefined> {
    const id = await this.db.userNames.get(name.toLowerCase())
    return id === undefined ? undefined : await this.db.users.get(id)
  }

  async findByEmail (email: string): Promise<UserRecord | undefined> {
    const id = await this.db.userEmails.get(email.trim().toLowerCase())
    return id === undefined ? undefined : await this.db.users.get(id)
  }

  async listUsers (): Promise<UserRecord[]> {
    return (await this.db.users.list()).map(r => r.value)
  }

  async updateUser (id: string, patch: { displayName?: string, role?: Role, disabled?: boolean, password?: string }, actor: string): Promise<UserRecord> {
    const user = await this.requireUser(id)
    const next: UserRecord = {
      ...user,
      ...(patch.displayName === undefined ? {} : { displayName: patch.displayName }),
      ...(patch.role === undefined ? {} : { role: patch.role }),
      ...(patch.disabled === undefined ? {} : { disabled: patch.disabled }),
      ...(patch.password === undefined ? {} : { passwordHash: await hashPassword(patch.password, this.scryptParams) })
    }
    await this.db.users.put(id, next)
    this.cache.clear()
    const { password: _password, ...logged } = patch
    await this.audit.record(actor, 'user.update', id, { ...logged, passwordChanged: patch.password !== undefined })
    return next
  }

  /** Checks a name (or email) and password; the same error whichever part is wrong. */
  async checkPassword (nameOrEmail: string, password: string): Promise<UserRecord> {
    const user = nameOrEmail.includes('@') ? await this.findByEmail(nameOrEmail) : await this.findByName(nameOrEmail)
    const ok = user !== undefined && !user.disabled && await verifyPassword(password, user.passwordHash)
    if (!ok) {
      await this.audit.record(nameOrEmail, 'auth.login-failed', user?.id ?? '-')
      throw new FerryError('FERRY_PORTAL_LOGIN_FAILED', 'wrong user name or password', { statusCode: 401 })
    }
    return user
  }

  async createSession (user: UserRecord): Promise<{ sessionId: string, csrfToken: string, expiresAtMs: number }> {
    const sessionId = randomId(32)
    const csrfToken = randomId(24)
    const expiresAtMs = this.clock.nowMs() + SESSION_TTL_MS
    await this.db.sessions.put(secretHash(sessionId), { userId: user.id, csrfToken, expiresAtMs })
    await this.audit.record(user.id, 'auth.login', user.id)
    return { sessionId, csrfToken, expiresAtMs }
  }

  async endSession (sessionId: string): Promise<void> {
    const key = secretHash(sessionId)
    const session = await this.db.sessions.get(key)
    await this.db.sessions.del(key)
    this.cache.delete('s:' + sessionId)
    if (session !== undefined) await this.audit.record(session.userId, 'auth.logout', session.userId)
  }

  async createApiToken (user: UserRecord, label: string): Promise<{ id: string, token: string }> {
    const token = 'fy_' + randomId(32)
    const id = randomId()
    const hash = secretHash(token)
    await this.db.apiTokens.put(hash, { id, userId: user.id, label, createdAtMs: this.clock.nowMs(), hash })
    await this.audit.record(user.id, 'auth.token-create', id, { label })
    return { id, token }
  }

  async listApiTokens (userId: string): Promise<Array<{ id: string, label: string, createdAtMs: number }>> {
    return (await this.db.apiTokens.list()).filter(r => r.value.userId === userId)
      .map(r => ({ id: r.value.id, label: r.value.label, createdAtMs: r.value.createdAtMs }))
  }

  async revokeApiToken (userId: string, id: string): Promise<void> {
    const row = (await this.db.apiTokens.list()).find(r => r.value.id === id && r.value.userId === userId)
    if (row === undefined) throw notFound('API token')
    await this.db.apiTokens.del(row.key)
    this.cache.clear()
    await this.audit.record(userId, 'auth.token-revoke', id)
  }

  /** The principal behind a session cookie, or undefined when it is unknown, expired or its user is disabled. */
  async fromSession (sessionId: string): Promise<Principal | undefined> {
    return await this.cached('s:' + sessionId, async () => {
      const session = await this.db.sessions.get(secretHash(sessionId))
      if (session === undefined || session.expiresAtMs <= this.clock.nowMs()) return undefined
      const user = await this.db.users.get(session.userId)
      return user === undefined || user.disabled ? undefined : { user, via: 'session', csrfToken: session.csrfToken }
    })
  }

  async fromBearer (token: string): Promise<Principal | undefined> {
    return await this.cached('t:' + token, async () => {
      const record = await this.db.apiTokens.get(secretHash(token))
      if (record === undefined) return undefined
      const user = await this.db.users.get(record.userId)
      return user === undefined || user.disabled ? undefined : { user, via: 'token' }
    })
  }

  private async cached (key: string, load: () => Promise<Principal | undefined>): Promise<Principal | undefined> {
    const nowMs = this.clock.nowMs()
    const hit = this.cache.get(key)
    if (hit !== undefined && hit.untilMs > nowMs) return hit.principal
    const principal = await load()
    if (principal === undefined) { this.cache.delete(key); return undefined }
    if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear()
    this.cache.set(key, { principal, untilMs: nowMs + AUTH_CACHE_TTL_MS })
    return principal
  }
}
