// The node's configuration: validated once against its schema, defaults filled, frozen; bad values get FERRY_NODE_CONFIG_INVALID.
import { multiaddr } from '@multiformats/multiaddr'
import { FerryError } from '@ferry/protocol'
import type { JSONWebKeySet } from 'jose'

export interface NodeConfig {
  /** Folder holding the identity key, the LevelDB and package files. */
  dataDir: string
  /** Human name shown in the portal and ops API. */
  name: string
  /** libp2p listen multiaddrs. */
  listen: string[]
  /** Multiaddrs (with /p2p/<peerId>) dialled at start to join the mesh. */
  bootstrap: string[]
  /** Address the UDP data socket binds to, and that clients are told to send to. */
  udpHost: string
  /** UDP port (0: any free port). */
  udpPort: number
  httpHost: string
  /** HTTP port for the ops API and gateway (0: any free port). */
  httpPort: number
  /** Bearer token for admin routes; undefined disables them (every admin call gets 401). */
  adminToken: string | undefined
  /** Portal key sources; any combination. The URL is fetched at start and every `jwksRefreshMs`. */
  portalJwksUrl: string | undefined
  portalJwksFile: string | undefined
  portalJwks: JSONWebKeySet | undefined
  /** How often to refetch portalJwksUrl (ms): picks up key rotation within minutes. */
  jwksRefreshMs: number
  /** How often peers swap their peer lists (ms): bounds mesh convergence time. */
  peerExchangeIntervalMs: number
  /** How often each connected peer is pinged to refresh its RTT (ms). */
  pingIntervalMs: number
  /** Whether this node relays control streams and UDP data for peers that cannot reach each other. */
  relay: boolean
}

const DEFAULTS: Omit<NodeConfig, 'dataDir'> = {
  name: 'ferry-node',
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [],
  udpHost: '127.0.0.1',
  udpPort: 0,
  httpHost: '127.0.0.1',
  httpPort: 0,
  adminToken: undefined,
  portalJwksUrl: undefined,
  portalJwksFile: undefined,
  portalJwks: undefined,
  jwksRefreshMs: 5 * 60_000,
  peerExchangeIntervalMs: 1_000,
  pingIntervalMs: 10_000,
  relay: true
}

const KNOWN = new Set<string>(['dataDir', ...Object.keys(DEFAULTS)])

function invalid (field: string, why: string): FerryError {
  return new FerryError('FERRY_NODE_CONFIG_INVALID', `config "${field}": ${why}`, { statusCode: 400, details: { field } })
}

function str (raw: Record<string, unknown>, field: keyof NodeConfig, fallback: string | undefined): string | undefined {
  const v = raw[field]
  if (v === undefined) return fallback
  if (typeof v !== 'string' || v === '') throw invalid(field, 'must be a non-empty string')
  return v
}

function port (raw: Record<string, unknown>, field: keyof NodeConfig, fallback: number): number {
  const v = typeof raw[field] === 'string' && /^\d+$/.test(raw[field] as string) ? Number(raw[field]) : raw[field]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw invalid(field, 'must be a port number 0-65535')
  return v
}

function positive (raw: Record<string, unknown>, field: keyof NodeConfig, fallback: number): number {
  const v = typeof raw[field] === 'string' && /^\d+$/.test(raw[field] as string) ? Number(raw[field]) : raw[field]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw invalid(field, 'must be a positive integer')
  return v
}

function addrs (raw: Record<string, unknown>, field: keyof NodeConfig, fallback: string[], needPeerId: boolean): string[] {
  let v = raw[field]
  if (v === undefined) return fallback
  if (typeof v === 'string') v = [v]
  if (!Array.isArray(v) || !v.every(a => typeof a === 'string')) throw invalid(field, 'must be a list of multiaddrs')
  for (const a of v as string[]) {
    let ma
    try { ma = multiaddr(a) } catch (err) { throw new FerryError('FERRY_NODE_CONFIG_INVALID', `config "${field}": "${a}" is not a multiaddr`, { statusCode: 400, cause: err, details: { field } }) }
    if (needPeerId && ma.getComponents().every(c => c.name !== 'p2p')) throw invalid(field, `"${a}" needs a /p2p/<peerId> part`)
  }
  return [...v as string[]]
}

function host (raw: Record<string, unknown>, field: keyof NodeConfig, fallback: string): string {
  const v = str(raw, field, fallback) as string
  if (!/^[0-9a-zA-Z.:-]+$/.test(v)) throw invalid(field, 'must be an IP address or host name')
  return v
}

/** Validates a raw config (from a file and flags merged), fills defaults and returns a frozen copy. */
export function parseNodeConfig (raw: unknown): Readonly<NodeConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('(root)', 'must be an object')
  const r = raw as Record<string, unknown>
  for (const key of Object.keys(r)) if (!KNOWN.has(key)) throw invalid(key, 'unknown setting')
  const dataDir = str(r, 'dataDir', undefined)
  if (dataDir === undefined) throw invalid('dataDir', 'is required')
  const adminToken = str(r, 'adminToken', undefined)
  if (adminToken !== undefined && adminToken.length < 16) throw invalid('adminToken', 'must be at least 16 characters')
  const portalJwksUrl = str(r, 'portalJwksUrl', undefined)
  if (portalJwksUrl !== undefined && !/^https?:\/\//.test(portalJwksUrl)) throw invalid('portalJwksUrl', 'must be an http(s) URL')
  let portalJwks: JSONWebKeySet | undefined
  if (r.portalJwks !== undefined) {
    const j = r.portalJwks as { keys?: unknown }
    if (typeof j !== 'object' || j === null || !Array.isArray(j.keys)) throw invalid('portalJwks', 'must be a JWKS object {keys: [...]}')
    portalJwks = structuredClone(j) as JSONWebKeySet
  }
  const relay = r.relay === undefined ? DEFAULTS.relay : r.relay === true || r.relay === 'true' ? true : r.relay === false || r.relay === 'false' ? false : undefined
  if (relay === undefined) throw invalid('relay', 'must be true or false')
  const config: NodeConfig = {
    dataDir,
    name: str(r, 'name', DEFAULTS.name) as string,
    listen: addrs(r, 'listen', DEFAULTS.listen, false),
    bootstrap: addrs(r, 'bootstrap', DEFAULTS.bootstrap, true),
    udpHost: host(r, 'udpHost', DEFAULTS.udpHost),
    udpPort: port(r, 'udpPort', DEFAULTS.udpPort),
    httpHost: host(r, 'httpHost', DEFAULTS.httpHost),
    httpPort: port(r, 'httpPort', DEFAULTS.httpPort),
    adminToken,
    portalJwksUrl,
    portalJwksFile: str(r, 'portalJwksFile', undefined),
    portalJwks,
    jwksRefreshMs: positive(r, 'jwksRefreshMs', DEFAULTS.jwksRefreshMs),
    peerExchangeIntervalMs: positive(r, 'peerExchangeIntervalMs', DEFAULTS.peerExchangeIntervalMs),
    pingIntervalMs: positive(r, 'pingIntervalMs', DEFAULTS.pingIntervalMs),
    relay
  }
  if (config.listen.length === 0) throw invalid('listen', 'needs at least one address')
  return deepFreeze(config)
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
