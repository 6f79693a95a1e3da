// tus 1.0 at /gateway/v1/uploads: core, creation, creation-with-upload, termination, expiration; SHA-256 checked at the end.
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FerryError } from '@ferry/protocol/errors/ferry-error'
import { tokenCoversPath, type TransferTokenClaims } from '@ferry/protocol/token/transfer-token'
import type { GatewayContext } from './gateway-context.js'
import type { UploadRecord } from './gateway-store.js'
import { checkPackageId } from './package-id.js'
import { checkPackagePath } from './package-path.js'
import { checkNoPathConflict } from './path-conflict.js'
import { requestToken } from './request-token.js'
import { RunningDigest } from './running-digest.js'
import { formatUploadMetadata, parseUploadMetadata } from './tus-metadata.js'

export const TUS_VERSION = '1.0.0'
export const TUS_EXTENSIONS = 'creation,creation-with-upload,termination,expiration'
export const UPLOADS_PATH = '/gateway/v1/uploads'
const OFFSET_CONTENT_TYPE = 'application/offset+octet-stream'
/** Bytes gathered before one write to the partial file: few system calls, little memory per upload. */
const WRITE_BATCH_BYTES = 1024 * 1024

/** Who may act on an upload, and the token to charge bytes to (absent when the upload URL alone authorised it). */
type UploadAuth = { claims: TransferTokenClaims } | { claims: undefined }

export function registerTusUploadRoutes (app: FastifyInstance, ctx: GatewayContext): void {
  const { store } = ctx

  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith(UPLOADS_PATH)) reply.header('Tus-Resumable', TUS_VERSION)
  })

  app.post(UPLOADS_PATH, async (request, reply) => {
    requireTusResumable(request)
    if (request.headers['upload-defer-length'] !== undefined) {
      throw new FerryError('FERRY_GATEWAY_UPLOAD_LENGTH', 'Upload-Defer-Length is not supported; send Upload-Length', { statusCode: 400 })
    }
    const lengthBytes = parseNonNegative(request.headers['upload-length'], 'FERRY_GATEWAY_UPLOAD_LENGTH', 'Upload-Length')
    if (lengthBytes > ctx.maxUploadBytes) {
      throw new FerryError('FERRY_GATEWAY_UPLOAD_TOO_LARGE', 'Upload-Length exceeds Tus-Max-Size', { statusCode: 413, details: { maxUploadBytes: ctx.maxUploadBytes } })
    }
    const metadata = parseUploadMetadata(header(request, 'upload-metadata'))
    const pkg = checkPackageId(metadata.pkg ?? metadata.package)
    const path = checkPackagePath(metadata.path ?? metadata.relativePath ?? metadata.filename)
    const expectedSha256 = metadata.sha256?.toLowerCase()
    if (expectedSha256 !== undefined && !/^[0-9a-f]{64}$/.test(expectedSha256)) {
      throw new FerryError('FERRY_GATEWAY_METADATA_INVALID', 'Upload-Metadata sha256 must be 64 hex digits', { statusCode: 400 })
    }
    const token = requestToken(request) ?? metadata.token
    if (token === undefined) throw tokenRequired()
    const claims = await ctx.verifyToken(token, { pkg, dir: 'upload' })
    requireCovered(claims, path)
    checkNoPathConflict(await store.listEntries(pkg), path, 'file')
    const id = ctx.randomId()
    ctx.budget.prune(ctx.now())
    ctx.budget.chargeOnce(claims, id, lengthBytes)
    const nowMs = ctx.now()
    const { token: _token, ...echoed } = metadata
    const record: UploadRecord = {
      id, pkg, path, lengthBytes, metadata: echoed, createdAtMs: nowMs, expiresAtMs: nowMs + ctx.uploadTtlMs,
      tokenSub: claims.sub, tokenJti: claims.jti, tokenExpMs: claims.exp * 1000,
      ...(expectedSha256 === undefined ? {} : { expectedSha256 })
    }
    await store.createUpload(record)
    reply.header('Location', `${UPLOADS_PATH}/${id}`)
    reply.header('Upload-Expires', new Date(record.expiresAtMs).toUTCString())
    if (lengthBytes === 0) {
      await finish(record, new RunningDigest())
    } else if (isOffsetStream(request)) {
      const lease = await ctx.locks.acquire(id)
      try {
        lease.body = request.body as Readable
        reply.header('Upload-Offset', String(await receive(record, 0, lease.body)))
      } finally {
        lease.release()
      }
    }
    return await reply.code(201).send()
  })

  app.head(`${UPLOADS_PATH}/:id`, async (request, reply) => {
    const done = finishedUpload(request)
    if (done !== undefined) {
      await authorize(request, done)
      reply.header('Upload-Offset', String(done.lengthBytes))
      reply.header('Upload-Length', String(done.lengthBytes))
      reply.header('Cache-Control', 'no-store')
      return await reply.code(200).send()
    }
    const record = await liveUpload(request)
    await authorize(request, record)
    await ctx.locks.idle(record.id) // a resuming client HEADs: let a dying PATCH finish so the offset counts its bytes
    reply.header('Upload-Offset', String(await store.uploadOffset(record.id)))
    reply.header('Upload-Length', String(record.lengthBytes))
    if (Object.keys(record.metadata).length > 0) reply.header('Upload-Metadata', formatUploadMetadata(record.metadata))
    reply.header('Upload-Expires', new Date(record.expiresAtMs).toUTCString())
    reply.header('Cache-Control', 'no-store')
    return await reply.code(200).send()
  })

  app.patch(`${UPLOADS_PATH}/:id`, async (request, reply) => {
    requireTusResumable(request)
    if (!isOffsetStream(request)) {
      throw new FerryError('FERRY_GATEWAY_CONTENT_TYPE', `PATCH needs Content-Type: ${OFFSET_CONTENT_TYPE}`, { statusCode: 415 })
    }
    const claimedOffset = parseNonNegative(request.headers['upload-offset'], 'FERRY_GATEWAY_UPLOAD_OFFSET', 'Upload-Offset')
    const done = finishedUpload(request)
    if (done !== undefined) {
      // Already whole: an empty PATCH at the end is answered as tus answers it for any finished upload.
      await authorize(request, done)
      if (claimedOffset !== done.lengthBytes) {
        throw new FerryError('FERRY_GATEWAY_UPLOAD_OFFSET', 'this upload is already complete', { statusCode: 409, details: { offsetBytes: done.lengthBytes } })
      }
      return await reply.code(204).header('Upload-Offset', String(done.lengthBytes)).send()
    }
    const record = await liveUpload(request)
    const auth = await authorize(request, record)
    const lease = await ctx.locks.acquire(record.id)
    let newOffset: number
    try {
      if (await store.getUpload(record.id) === undefined) {
        throw new FerryError('FERRY_GATEWAY_UPLOAD_UNKNOWN', 'no such upload (finished, terminated or never created)', { statusCode: 404 })
      }
      const offsetBytes = await store.uploadOffset(record.id)
      if (claimedOffset !== offsetBytes) {
        throw new FerryError('FERRY_GATEWAY_UPLOAD_OFFSET', 'Upload-Offset does not match the bytes stored', { statusCode: 409, details: { offsetBytes } })
      }
      if (auth.claims !== undefined && auth.claims.jti !== record.tokenJti) {
        ctx.budget.chargeOnce(auth.claims, record.id, record.lengthBytes - offsetBytes)
      }
      lease.body = request.body as Readable
      newOffset = await receive(record, offsetBytes, lease.body)
    } finally {
      lease.release()
    }
    reply.header('Upload-Offset', String(newOffset))
    if (newOffset < record.lengthBytes) reply.header('Upload-Expires', new Date(ctx.now() + ctx.uploadTtlMs).toUTCString())
    return await reply.code(204).send()
  })

  app.delete(`${UPLOADS_PATH}/:id`, async (request, reply) => {
    const record = await liveUpload(request)
    await authorize(request, record)
    const lease = await ctx.locks.acquire(record.id)
    try {
      ctx.digests.delete(record.id)
      await store.deleteUpload(record.id)
      ctx.budget.refund(record.id)
    } finally {
      lease.release()
    }
    return await reply.code(204).send()
  })

  /** Streams a request body into the partial file from `offsetBytes`, hashing as it goes; finishes the file at its length. Caller holds the upload's lock. */
  async function receive (record: UploadRecord, offsetBytes: number, body: Readable): Promise<number> {
    let digest = ctx.digests.get(record.id)
    if (digest?.offsetBytes !== offsetBytes) {
      // Re-hash on resume: only after a restart (or a failed write) is the running state gone.
      digest = await RunningDigest.fromChunks(store.readUpload(record.id, offsetBytes))
      ctx.digests.set(record.id, digest)
    }
    const writer = await store.openUploadWriter(record.id, offsetBytes)
    // Socket chunks are ~64 KiB; while more are already buffered, writing them in batches keeps file-system round trips
    // (costly on a busy machine) few.
    let pending: Buffer[] = []
    let pendingBytes = 0
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return
      const batch = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
      pending = []
      pendingBytes = 0
      try {
        await writer.write(batch)
      } catch (err) {
        ctx.digests.delete(record.id) // the file may hold part of this batch; rebuild from disk next time
        throw err
      }
    }
    try {
      const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
      for (;;) {
        let next: IteratorResult<Buffer>
        try {
          next = await chunks.next()
        } catch (err) {
          // Every byte that arrived is kept; the client resumes from HEAD's Upload-Offset.
          throw new FerryError('FERRY_GATEWAY_UPLOAD_INTERRUPTED', 'the request body broke off before its end; resume from Upload-Offset', {
            statusCode: 400, cause: err, details: { offsetBytes: digest.offsetBytes }
          })
        }
        if (next.done === true) break
        const chunk = next.value
        if (digest.offsetBytes + chunk.byteLength > record.lengthBytes) {
          throw new FerryError('FERRY_GATEWAY_UPLOAD_TOO_LARGE', 'body runs past Upload-Length', { statusCode: 413 })
        }
        digest.update(chunk)
        pending.push(chunk)
        pendingBytes += chunk.byteLength
        // Write when a batch is full, or when nothing more is buffered (never hold bytes while waiting on the network).
        if (pendingBytes >= WRITE_BATCH_BYTES || body.readableLength === 0) await flush()
      }
    } finally {
      // Whatever arrived is written, also when the body broke off: the client resumes after it.
      try { await flush() } finally { await writer.close() }
      if (digest.offsetBytes < record.lengthBytes) await store.touchUpload(record.id, ctx.now() + ctx.uploadTtlMs)
    }
    if (digest.offsetBytes === record.lengthBytes) await finish(record, digest)
    return digest.offsetBytes
  }

  async function finish (record: UploadRecord, digest: RunningDigest): Promise<void> {
    const { sha256, crc32 } = digest.digests()
    ctx.digests.delete(record.id)
    if (record.expectedSha256 !== undefined && record.expectedSha256 !== sha256) {
      await store.deleteUpload(record.id)
      ctx.budget.refund(record.id) // the retry will be charged instead
      throw new FerryError('FERRY_GATEWAY_CHECKSUM_MISMATCH', 'the file\'s SHA-256 differs from the one announced; upload it again', {
        statusCode: 460, details: { path: record.path, expectedSha256: record.expectedSha256, sha256 }
      })
    }
    await store.finalizeUpload(record.id, { sha256, crc32, completedAtMs: ctx.now() })
    ctx.finished.remember(record, ctx.now() + ctx.uploadTtlMs)
  }

  function finishedUpload (request: FastifyRequest): UploadRecord | undefined {
    return ctx.finished.get((request.params as { id: string }).id, ctx.now())
  }

  async function liveUpload (request: FastifyRequest): Promise<UploadRecord> {
    const { id } = request.params as { id: string }
    const record = /^[0-9a-f]{16,64}$/.test(id) ? await store.getUpload(id) : undefined
    if (record === undefined) ctx.digests.delete(id) // swept or deleted elsewhere: drop its running digest too
    if (record === undefined) throw new FerryError('FERRY_GATEWAY_UPLOAD_UNKNOWN', 'no such upload (finished, terminated or never created)', { statusCode: 404 })
    if (record.expiresAtMs <= ctx.now()) {
      if (!ctx.locks.isHeld(id)) await store.deleteUpload(id)
      throw new FerryError('FERRY_GATEWAY_UPLOAD_EXPIRED', 'this upload expired; start it again', { statusCode: 410 })
    }
    return record
  }

  /** A token for this package and path, or — until the creating token expires — the unguessable upload URL alone. */
  async function authorize (request: FastifyRequest, record: UploadRecord): Promise<UploadAuth> {
    const token = requestToken(request)
    if (token === undefined) {
      if (ctx.now() < record.tokenExpMs) return { claims: undefined }
      throw tokenRequired()
    }
    const claims = await ctx.verifyToken(token, { pkg: record.pkg, dir: 'upload' })
    requireCovered(claims, record.path)
    return { claims }
  }
}

export function requireCovered (claims: TransferTokenClaims, path: string): void {
  if (!tokenCoversPath(claims, path)) {
    throw new FerryError('FERRY_GATEWAY_PATH_FORBIDDEN', 'the transfer token does not cover this path', { statusCode: 403, details: { path } })
  }
}

export function tokenRequired (): FerryError {
  return new FerryError('FERRY_GATEWAY_TOKEN_REQUIRED', 'a transfer token is required (Authorization: Bearer, ?token= or Upload-Metadata token)', { statusCode: 401 })
}

function requireTusResumable (request: FastifyRequest): void {
  if (request.headers['tus-resumable'] !== TUS_VERSION) {
    throw new FerryError('FERRY_GATEWAY_TUS_VERSION', `Tus-Resumable: ${TUS_VERSION} is required`, { statusCode: 412 })
  }
}

function isOffsetStream (request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === OFFSET_CONTENT_TYPE && request.body !== undefined && request.body !== null
}

function header (request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function parseNonNegative (value: string | string[] | undefined, code: 'FERRY_GATEWAY_UPLOAD_LENGTH' | 'FERRY_GATEWAY_UPLOAD_OFFSET', name: string): number {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || !/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new FerryError(code, `${name} must be a non-negative integer`, { statusCode: 400 })
  }
  return Number(text)
}
