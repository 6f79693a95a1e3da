// Moves a package through a node's HTTP gateway (contract F) when UDP cannot: tus 1.0 uploads and Range downloads, both resumable.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { FerryError, type FerryErrorCode } from '@ferry/protocol'
import { validateRelativePath } from '@ferry/protocol/manifest/validate-relative-path'
import { RateMeter } from '../progress/rate-meter.js'
import { hashFileInto } from './file-sha256.js'
import type { DownloadJob, TransferOutcome, UploadJob } from './transfer-types.js'

const TUS_HEADERS = { 'tus-resumable': '1.0.0' }
/** Suffix of a file still arriving; renamed to its real name only once its SHA-256 matches. */
export const PARTIAL_SUFFIX = '.ferry-part'

export async function gatewayUpload (job: UploadJob): Promise<TransferOutcome> {
  const startedMs = performance.now()
  const base = job.node.httpUrl.replace(/\/+$/, '')
  const auth = { authorization: `Bearer ${job.token}` }
  const stateFile = join(job.stateDir, `gateway-upload-${job.pkg}.json`)
  const state = await readJson<Record<string, string>>(stateFile, {})
  const bytesTotal = job.files.reduce((sum, f) => sum + f.sizeBytes, 0)
  const meter = new RateMeter()
  let bytesBefore = 0
  const localSha = new Map<string, string>()
  job.reporter.start({ id: job.pkg, direction: 'upload', bytesTotal, filesTotal: job.files.length, via: `gateway ${base}` })
  for (const [index, file] of job.files.entries()) {
    let location: string | undefined = state[file.relativePath]
    let offset = 0
    if (location !== undefined) {
      const head = await fetch(base + location, { method: 'HEAD', headers: { ...TUS_HEADERS, ...auth }, signal: job.signal })
      if (head.ok) offset = Number(head.headers.get('upload-offset') ?? '0')
      else location = undefined
    }
    const hash = createHash('sha256')
    if (location === undefined) {
      const metadata = { pkg: job.pkg, path: file.relativePath }
      const created = await check(await fetch(`${base}/gateway/v1/uploads`, {
        method: 'POST',
        headers: { ...TUS_HEADERS, ...auth, 'upload-length': String(file.sizeBytes), 'upload-metadata': Object.entries(metadata).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',') },
        signal: job.signal
      }), 'create upload')
      location = new URL(created.headers.get('location') ?? '', base + '/').pathname
      state[file.relativePath] = location
      await writeJson(stateFile, state)
    } else {
      await hashFileInto(hash, file.absolutePath, offset, job.signal)
    }
    if (offset < file.sizeBytes) {
      let sent = offset
      const source = createReadStream(file.absolutePath, { start: offset, highWaterMark: 1 << 20, signal: job.signal })
      const counted = Readable.from((async function * () {
        for await (const chunk of source) {
          const buf = chunk as Buffer
          hash.update(buf)
          sent += buf.byteLength
          const done = bytesBefore + sent
          job.reporter.update({ bytesDone: done, bytesTotal, rateBitsPerSec: meter.record(done), etaSeconds: meter.etaSeconds(done, bytesTotal), filesDone: index, filesTotal: job.files.length, currentFile: { relativePath: file.relativePath, bytesDone: sent, sizeBytes: file.sizeBytes } })
          yield buf
        }
      })())
      await check(await fetch(base + location, {
        method: 'PATCH',
        headers: { ...TUS_HEADERS, ...auth, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': String(file.sizeBytes - offset) },
        body: Readable.toWeb(counted) as ReadableStream,
        duplex: 'half',
        signal: job.signal
      } as RequestInit), `upload ${file.relativePath}`)
    }
    localSha.set(file.relativePath, hash.digest('hex'))
    bytesBefore += file.sizeBytes
  }
  for (const folder of job.emptyFolders) {
    await check(await fetch(`${base}/gateway/v1/packages/${encodeURIComponent(job.pkg)}/folders`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ path: folder }), signal: job.signal
    }), `create folder ${folder}`)
  }
  const completed = await check(await fetch(`${base}/gateway/v1/packages/${encodeURIComponent(job.pkg)}/complete`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ paths: job.files.map(f => f.relativePath) }), signal: job.signal
  }), 'complete the package')
  const { receipt, files } = await completed.json() as { receipt: string, files: Array<{ path: string, sizeBytes: number, sha256: string }> }
  for (const file of files) {
    const mine = localSha.get(file.path)
    if (mine !== undefined && mine !== file.sha256) {
      throw new FerryError('FERRY_CLI_CHECKSUM_MISMATCH', `the node stored ${file.path} with SHA-256 ${file.sha256}, but the local file hashes to ${mine}; was it changed during the upload? Send it again.`)
    }
  }
  await rm(stateFile, { force: true })
  return { receipt, files, bytes: bytesTotal, seconds: (performance.now() - startedMs) / 1000, via: 'gateway' }
}

export async function gatewayDownload (job: DownloadJob): Promise<TransferOutcome> {
  if (job.files.length === 0) {
    throw new FerryError('FERRY_CLI_GATEWAY_ERROR', 'the gateway path needs the list of files to fetch, and none was given (`ferry cp` from a node needs UDP)')
  }
  const startedMs = performance.now()
  const base = job.node.httpUrl.replace(/\/+$/, '')
  const bytesTotal = job.files.reduce((sum, f) => sum + f.sizeBytes, 0)
  const meter = new RateMeter()
  const out: TransferOutcome['files'] = []
  let bytesBefore = 0
  job.reporter.start({ id: job.pkg, direction: 'download', bytesTotal, filesTotal: job.files.length, via: `gateway ${base}` })
  for (const [index, file] of job.files.entries()) {
    const target = join(job.destinationDir, validateRelativePath(file.path))
    const partial = target + PARTIAL_SUFFIX
    await mkdir(dirname(target), { recursive: true })
    const existing = await stat(target).catch(() => undefined)
    let hash = createHash('sha256')
    if (existing?.isFile() === true && existing.size === file.sizeBytes && file.sha256 !== undefined) {
      await hashFileInto(hash, target, undefined, job.signal)
      const sha256 = hash.digest('hex')
      if (sha256 === file.sha256) {
        out.push({ path: file.path, sizeBytes: file.sizeBytes, sha256 })
        bytesBefore += file.sizeBytes
        continue
      }
      throw new FerryError('FERRY_CLI_DESTINATION_EXISTS', `${target} exists and differs from the package's file; move it away or choose another --dest`)
    }
    let offset = (await stat(partial).catch(() => undefined))?.size ?? 0
    if (offset > file.sizeBytes) { await rm(partial); offset = 0 }
    await hashFileInto(hash, partial, offset, job.signal)
    if (offset < file.sizeBytes) {
      const url = `${base}/gateway/v1/packages/${encodeURIComponent(job.pkg)}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`
      const response = await check(await fetch(url, {
        headers: { authorization: `Bearer ${job.token}`, ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        signal: job.signal
      }), `download ${file.path}`)
      // A server that ignores Range sends the whole file: start the partial file over.
      if (offset > 0 && response.status !== 206) { offset = 0; hash = createHash('sha256') }
      const handle = await open(partial, offset > 0 ? 'a' : 'w')
      try {
        let got = offset
        for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)) {
          const buf = chunk as Buffer
          await handle.write(buf)
          hash.update(buf)
          got += buf.byteLength
          const done = bytesBefore + got
          job.reporter.update({ bytesDone: done, bytesTotal, rateBitsPerSec: meter.record(done), etaSeconds: meter.etaSeconds(done, bytesTotal), filesDone: index, filesTotal: job.files.length, currentFile: { relativePath: file.path, bytesDone: got, sizeBytes: file.sizeBytes } })
        }
        await handle.sync()
      } finally {
        await handle.close()
      }
    }
    // An empty file needs no request, but still goes through the partial name like every other.
    if (file.sizeBytes === 0) await writeFile(partial, '')
    const sha256 = hash.digest('hex')
    if (file.sha256 !== undefined && sha256 !== file.sha256) {
      await rm(partial, { force: true })
      throw new FerryError('FERRY_CLI_CHECKSUM_MISMATCH', `${file.path} arrived with SHA-256 ${sha256}, expected ${file.sha256}; the partial file was removed, run the download again`)
    }
    await rename(partial, target)
    out.push({ path: file.path, sizeBytes: file.sizeBytes, sha256 })
    bytesBefore += file.sizeBytes
  }
  return { files: out, bytes: bytesTotal, seconds: (performance.now() - startedMs) / 1000, via: 'gateway' }
}

/** Passes a 2xx response through; turns anything else into the node's coded error (or FERRY_CLI_GATEWAY_ERROR). */
async function check (response: Response, what: string): Promise<Response> {
  if (response.ok) return response
  const text = await response.text().catch(() => '')
  let payload: { code?: unknown, message?: unknown } = {}
  try { payload = JSON.parse(text) } catch { /* not JSON */ }
  const code: FerryErrorCode = typeof payload.code === 'string' && payload.code.startsWith('FERRY_') ? payload.code as FerryErrorCode : 'FERRY_CLI_GATEWAY_ERROR'
  throw new FerryError(code, `gateway: ${what}: ${typeof payload.message === 'string' ? payload.message : `${response.status} ${response.statusText}`}`, { statusCode: response.status })
}

async function readJson<T> (file: string, fallback: T): Promise<T> {
  try { return JSON.parse(await readFile(file, 'utf8')) as T } catch { return fallback }
}

async function writeJson (file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFile(file + '.tmp', JSON.stringify(value))
  await rename(file + '.tmp', file)
}
