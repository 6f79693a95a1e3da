// What the auth hook attaches to a request, and the accessors routes use to read it.
import type { FastifyRequest } from 'fastify'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import type { Principal } from '../auth/account-service.js'
import type { UserRecord } from '../store/records.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal
  }
  interface FastifyContextConfig {
    /** Route needs a portal admin. */
    admin?: boolean
  }
}

export function currentUser (request: FastifyRequest): UserRecord {
  if (request.principal === undefined) throw new FerryError('FERRY_PORTAL_UNAUTHENTICATED', 'sign in first', { statusCode: 401 })
  return request.principal.user
}
