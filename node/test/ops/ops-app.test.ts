// The ops API answers /api/v1/info publicly, guards everything else with the admin token, validates bodies, and speaks Prometheus.
import { describe, it, expect } from 'vitest'
import { buildOpsApp, type OpsBackend } from '../../src/ops/ops-app.js'
import type { RateSettings } from '@ferry/protocol/congestion/rate-controller'

const ADMIN = 'a'.repeat(32)
const rates: Array<[string, RateSettings]> = []
const backend: OpsBackend = {
  info: () => ({ peerId: 'p', name: 'n', multiaddrs: [], udpHost: '127.0.0.1', udpPort: 1, httpUrl: 'http://x', publicKeyJwk: { kty: 'OKP' }, version: '0' }),
  peers: () => [],
  liveTransfers: () => [{ id: 't1', direction: 'upload', pkg: 'p', peer: 'client', rate: { policy: 'fair', targetBitsPerSec: 1, minBitsPerSec: 0 }, bytesDone: 1, bytesTotal: 2, rateBitsPerSec: 3, etaSeconds: 4, startedAtMs: 5 }],
  recentTransfers: async () => [],
  setTransferRate: (id, s) => { rates.push([id, s]); return id === 't1' },
  cancelTransfer: id => id === 't1',
  metrics: () => [{ name: 'ferry_x', help: 'h', type: 'gauge', value: 2, labels: { a: 'q"' } }],
  startReplication: async () => ({ id: 'r1' }),
  replication: async id => id === 'r1' ? { id, pkg: 'p', targetPeerId: 't', state: 'running', bytesDone: 0, bytesTotal: 1 } : undefined,
  packageEntries: async pkg => pkg === 'p' ? [{ path: 'a', kind: 'file', sizeBytes: 1, complete: true, sha256: 'e'.repeat(64) }] : undefined,
  deletePackage: async () => 1,
  bench: async ({ peerId, bytes }) => ({ peerId, bytes, seconds: 1, mbps: bytes * 8 / 1e6 })
}
const auth = { authorization: `Bearer ${ADMIN}` }

describe('ops API', async () => {
  const app = await buildOpsApp({ backend, adminToken: ADMIN })

  it('serves info without a token and guards the rest', async () => {
    expect((await app.inject({ url: '/api/v1/info' })).json()).toMatchObject({ peerId: 'p' })
    for (const [method, url] of [['GET', '/api/v1/peers'], ['GET', '/api/v1/transfers'], ['GET', '/metrics'], ['DELETE', '/api/v1/packages/p'], ['POST', '/api/v1/replications']] as const) {
      const res = await app.inject({ method, url, headers: { authorization: 'Bearer wrong' } })
      expect(res.statusCode, url).toBe(401)
      expect(res.json().code).toBe('FERRY_NODE_UNAUTHORIZED')
    }
    const off = await buildOpsApp({ backend, adminToken: undefined })
    expect((await off.inject({ url: '/api/v1/peers', headers: auth })).statusCode).toBe(401)
  })

  it('lists and steers transfers', async () => {
    expect((await app.inject({ url: '/api/v1/transfers', headers: auth })).json().live[0]).toMatchObject({ id: 't1', rateBitsPerSec: 3, etaSeconds: 4 })
    const ok = await app.inject({ method: 'PATCH', url: '/api/v1/transfers/t1', headers: auth, payload: { policy: 'low', targetBitsPerSec: 1e6, minBitsPerSec: 0 } })
    expect(ok.statusCode).toBe(200)
    expect(rates.at(-1)).toEqual(['t1', { policy: 'low', targetBitsPerSec: 1e6, minBitsPerSec: 0 }])
    const bad = await app.inject({ method: 'PATCH', url: '/api/v1/transfers/t1', headers: auth, payload: { policy: 'warp', targetBitsPerSec: 1 } })
    expect(bad.json().code).toBe('FERRY_NODE_REQUEST_INVALID')
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/transfers/t9', headers: auth })).json().code).toBe('FERRY_NODE_TRANSFER_UNKNOWN')
  })

  it('exposes metrics, packages and replications', async () => {
    const m = await app.inject({ url: '/metrics', headers: auth })
    expect(m.headers['content-type']).toMatch(/^text\/plain/)
    expect(m.body).toBe('# HELP ferry_x h\n# TYPE ferry_x gauge\nferry_x{a="q\\""} 2\n')
    expect((await app.inject({ url: '/api/v1/packages/p', headers: auth })).json().files[0]).toMatchObject({ path: 'a', complete: true })
    expect((await app.inject({ url: '/api/v1/packages/q', headers: auth })).json().code).toBe('FERRY_NODE_PACKAGE_UNKNOWN')
    const r = await app.inject({ method: 'POST', url: '/api/v1/replications', headers: auth, payload: { pkg: 'p', sourceToken: 's', targetToken: 't', targetPeerId: 'x' } })
    expect(r.statusCode).toBe(202)
    expect((await app.inject({ url: '/api/v1/replications/r1', headers: auth })).json().state).toBe('running')
    expect((await app.inject({ url: '/api/v1/replications/r2', headers: auth })).json().code).toBe('FERRY_NODE_REPLICATION_UNKNOWN')
    expect((await app.inject({ url: '/nope' })).json().code).toBe('FERRY_NODE_NOT_FOUND')
  })
})
