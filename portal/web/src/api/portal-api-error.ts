// A failed portal API call: the HTTP status and the portal's stable error code, so pages can react to the code, not the text.

export class PortalApiError extends Error {
  override readonly name = 'PortalApiError'
  readonly status: number
  /** The portal's FERRY_* code, or FERRY_WEB_NETWORK when no response came back. */
  readonly code: string

  constructor (status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
    this.code = code
  }
}
