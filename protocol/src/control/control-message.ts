// The messages of the /ferry/transfer/1 control stream and their strict JSON codec, shared by nodes and clients.
import { FerryError } from '../errors/ferry-error.js'
import type { RateSettings, RatePolicy } from '../congestion/rate-controller.js'

/** The libp2p protocol id of the transfer control stream. */
export const TRANSFER_PROTOCOL = '/ferry/transfer/1'

/** Largest control message accepted (bytes): a manifest of ~20k files fits; anything larger is refused before parsing. */
export const MAX_CONTROL_MESSAGE_BYTES = 4 * 1024 * 1024

export type Direction = 'upload' | 'download'

/** One file of a package as the control plane describes it. */
export interface ManifestEntry {
  /** Relative path inside the package, `/`-separated (validated by the receiver). */
  path: string
  sizeBytes: number
  /** Hex SHA-256, present once the node has verified the file. */
  sha256?: string
}

/** Client → node: the first message; presents the token and says what to move. */
export interface OpenMessage {
  type: 'open'
  token: string
  direction: Direction
  /** Uploads: every file the client will send. */
  manifest?: ManifestEntry[]
  /** Downloads: the paths wanted (default: everything the token covers). */
  paths?: string[]
  rate?: RateSettings
  /** Memory-to-memory benchmark: no files, `benchBytes` of generated payload (bench tokens only). */
  benchBytes?: number
}

/** Node → client: the transfer is admitted; the client starts the UDP session as initiator toward udpHost:udpPort. */
export interface AcceptMessage {
  type: 'accept'
  transferId: string
  /** 16 hex characters, demultiplexes the UDP session. */
  connectionId: string
  /** Base64 of 32 random bytes: the UDP session key material. */
  secret: string
  udpHost: string
  udpPort: number
  /** Downloads: the files the node will send. Uploads: echoes what the node expects. */
  manifest: ManifestEntry[]
  /**
   * Uploads resumed after a break: paths already complete and verified on the node, and whether the node holds a resume
   * journal for the rest, so its session resumes and an initiating sender sends no first flight (SPEC.md §4.2.1).
   */
  resume: { completePaths: string[], receiverResuming?: boolean }
}

export interface ProgressMessage {
  type: 'progress'
  bytesDone: number
  bytesTotal: number
  rateBitsPerSec: number
  /** Seconds until done at the current rate; -1 while unknown. */
  etaSeconds: number
}

export interface RateMessage extends RateSettings {
  type: 'rate'
}

export interface CancelMessage {
  type: 'cancel'
}

/** Node → client, last message of a successful transfer. */
export interface CompleteMessage {
  type: 'complete'
  /** Signed JWT (protocol/src/token/transfer-receipt.ts). */
  receipt: string
  files: ManifestEntry[]
}

export interface ErrorMessage {
  type: 'error'
  code: string
  message: string
}

export type ControlMessage = OpenMessage | AcceptMessage | ProgressMessage | RateMessage | CancelMessage | CompleteMessage | ErrorMessage

const POLICIES: readonly RatePolicy[] = ['fixed', 'high', 'fair', 'low']

function malformed (why: string): FerryError {
  return new FerryError('FERRY_CONTROL_MALFORMED', `malformed control message: ${why}`, { statusCode: 400 })
}

const isStr = (v: unknown): v is string => typeof v === 'string'
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function checkRate (v: unknown): RateSettings {
  if (typeof v !== 'object' || v === null) throw malformed('rate must be an object')
  const r = v as Record<string, unknown>
  if (!POLICIES.includes(r.policy as RatePolicy)) throw malformed('rate.policy')
  if (!isNum(r.targetBitsPerSec) || r.targetBitsPerSec <= 0) throw malformed('rate.targetBitsPerSec')
  if (!isNum(r.minBitsPerSec) || r.minBitsPerSec < 0 || r.minBitsPerSec > r.targetBitsPerSec) throw malformed('rate.minBitsPerSec')
  if (r.pathBitsPerSec !== undefined && (!isNum(r.pathBitsPerSec) || r.pathBitsPerSec <= 0)) throw malformed('rate.pathBitsPerSec')
  return { policy: r.policy as RatePolicy, targetBitsPerSec: r.targetBitsPerSec, minBitsPerSec: r.minBitsPerSec, ...(r.pathBitsPerSec === undefined ? {} : { pathBitsPerSec: r.pathBitsPerSec }) }
}

function checkManifest (v: unknown): ManifestEntry[] {
  if (!Array.isArray(v)) throw malformed('manifest must be an array')
  return v.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) throw malformed('manifest entry')
    const m = e as Record<string, unknown>
    if (!isStr(m.path) || !isCount(m.sizeBytes)) throw malformed('manifest entry needs path and sizeBytes')
    if (m.sha256 !== undefined && !(isStr(m.sha256) && /^[0-9a-f]{64}$/.test(m.sha256))) throw malformed('manifest sha256')
    return m.sha256 === undefined ? { path: m.path, sizeBytes: m.sizeBytes } : { path: m.path, sizeBytes: m.sizeBytes, sha256: m.sha256 }
  })
}

/** Checks a parsed value field by field and returns a message holding only known fields; throws FERRY_CONTROL_MALFORMED. */
export function parseControlMessage (value: unknown): ControlMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not an object')
  const m = value as Record<string, unknown>
  switch (m.type) {
    case 'open': {
      if (!isStr(m.token)) throw malformed('open.token')
      if (m.direction !== 'upload' && m.direction !== 'download') throw malformed('open.direction')
      const out: OpenMessage = { type: 'open', token: m.token, direction: m.direction }
      if (m.manifest !== undefined) out.manifest = checkManifest(m.manifest)
      if (m.paths !== undefined) {
        if (!Array.isArray(m.paths) || !m.paths.every(isStr)) throw malformed('open.paths')
        out.paths = m.paths
      }
      if (m.rate !== undefined) out.rate = checkRate(m.rate)
      if (m.benchBytes !== undefined) {
        if (!isCount(m.benchBytes)) throw malformed('open.benchBytes')
        out.benchBytes = m.benchBytes
      }
      return out
    }
    case 'accept': {
      if (!isStr(m.transferId) || !isStr(m.connectionId) || !/^[0-9a-f]{16}$/.test(m.connectionId)) throw malformed('accept ids')
      if (!isStr(m.secret) || Buffer.from(m.secret, 'base64').length !== 32) throw malformed('accept.secret')
      if (!isStr(m.udpHost) || !isCount(m.udpPort) || m.udpPort > 65535) throw malformed('accept udp address')
      const resume = m.resume as Record<string, unknown> | undefined
      if (typeof resume !== 'object' || resume === null || !Array.isArray(resume.completePaths) || !resume.completePaths.every(isStr)) throw malformed('accept.resume')
      if (resume.receiverResuming !== undefined && typeof resume.receiverResuming !== 'boolean') throw malformed('accept.resume.receiverResuming')
      return {
        type: 'accept', transferId: m.transferId, connectionId: m.connectionId, secret: m.secret, udpHost: m.udpHost, udpPort: m.udpPort, manifest: checkManifest(m.manifest),
        resume: { completePaths: resume.completePaths, ...(resume.receiverResuming === undefined ? {} : { receiverResuming: resume.receiverResuming }) }
      }
    }
    case 'progress':
      if (!isCount(m.bytesDone) || !isCount(m.bytesTotal) || !isNum(m.rateBitsPerSec) || !isNum(m.etaSeconds)) throw malformed('progress')
      return { type: 'progress', bytesDone: m.bytesDone, bytesTotal: m.bytesTotal, rateBitsPerSec: m.rateBitsPerSec, etaSeconds: m.etaSeconds }
    case 'rate':
      return { type: 'rate', ...checkRate(m) }
    case 'cancel':
      return { type: 'cancel' }
    case 'complete':
      if (!isStr(m.receipt)) throw malformed('complete.receipt')
      return { type: 'complete', receipt: m.receipt, files: checkManifest(m.files) }
    case 'error':
      if (!isStr(m.code) || !isStr(m.message)) throw malformed('error')
      return { type: 'error', code: m.code, message: m.message }
    default:
      throw malformed(`unknown type ${JSON.stringify(m.type)}`)
  }
}

/** Encodes one message as UTF-8 JSON (the length prefix is the channel's job). */
export function encodeControlMessage (message: ControlMessage): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message))
}

/** Decodes and validates one message; throws FERRY_CONTROL_MALFORMED on bad bytes, JSON or shape. */
export function decodeControlMessage (bytes: Uint8Array): ControlMessage {
  if (bytes.byteLength > MAX_CONTROL_MESSAGE_BYTES) throw malformed('too large')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new FerryError('FERRY_CONTROL_MALFORMED', 'malformed control message: not UTF-8 JSON', { statusCode: 400, cause: err })
  }
  return parseControlMessage(value)
}
