// The base of every error Ferry raises on purpose: a stable code (the API) plus a human message (not the API).

/** Every code is a string literal `FERRY_<AREA>_<WHAT>` and is listed in docs/errors.md (a test checks). */
export type FerryErrorCode = `FERRY_${string}`

export interface FerryErrorOptions {
  cause?: unknown
  /** HTTP status to answer with when this error reaches a web route. */
  statusCode?: number
  /** Machine-readable facts about the failure (ids, sizes), safe to show the caller. */
  details?: Record<string, unknown>
}

export class FerryError extends Error {
  override readonly name: string = 'FerryError'
  readonly code: FerryErrorCode
  readonly statusCode: number
  readonly details: Record<string, unknown> | undefined

  constructor (code: FerryErrorCode, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.statusCode = options.statusCode ?? 500
    this.details = options.details
  }

  /** The shape sent over HTTP and control streams. */
  toJSON (): { code: FerryErrorCode, message: string, details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }
}

/** True when `err` carries a Ferry code, whichever realm or copy of the class made it. */
export function isFerryError (err: unknown): err is FerryError {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('FERRY_')
}
