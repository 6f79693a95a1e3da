// Constructors for the portal's coded errors, so routes and services raise them in one line with the right HTTP status.
import { FerryError } from '@ferry/protocol/errors/ferry-error'

export function notFound (what: string): FerryError {
  return new FerryError('FERRY_PORTAL_NOT_FOUND', `${what} not found`, { statusCode: 404 })
}

export function forbidden (message: string): FerryError {
  return new FerryError('FERRY_PORTAL_FORBIDDEN', message, { statusCode: 403 })
}

export function badRequest (message: string, details?: Record<string, unknown>): FerryError {
  return new FerryError('FERRY_PORTAL_BAD_REQUEST', message, { statusCode: 400, ...(details === undefined ? {} : { details }) })
}

export function conflict (message: string): FerryError {
  return new FerryError('FERRY_PORTAL_CONFLICT', message, { statusCode: 409 })
}
