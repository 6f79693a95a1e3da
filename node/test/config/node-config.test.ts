// Config is validated once: defaults filled, result frozen, and every bad value refused with FERRY_NODE_CONFIG_INVALID naming the field.
import { describe, it, expect } from 'vitest'
import { parseNodeConfig } from '../../src/config/node-config.js'
import { parseNodeArgs } from '../../src/config/parse-node-args.js'

function fieldOf (fn: () => unknown): string {
  try { fn() } catch (err) { const e = err as { code: string, details?: { field?: string, flag?: string } }; return `${e.code}:${e.details?.field ?? e.details?.flag ?? ''}` }
  return 'no error'
}

describe('parseNodeConfig', () => {
  it('fills defaults and freezes', () => {
    const c = parseNodeConfig({ dataDir: '/tmp/x' })
    expect(c).toMatchObject({ dataDir: '/tmp/x', listen: ['/ip4/127.0.0.1/tcp/0'], udpPort: 0, httpHost: '127.0.0.1', relay: true })
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.listen)).toBe(true)
  })

  it('refuses bad values with the field named', () => {
    expect(fieldOf(() => parseNodeConfig({}))).toBe('FERRY_NODE_CONFIG_INVALID:dataDir')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', udpPort: 70000 }))).toBe('FERRY_NODE_CONFIG_INVALID:udpPort')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', listen: ['not-an-addr'] }))).toBe('FERRY_NODE_CONFIG_INVALID:listen')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', bootstrap: ['/ip4/127.0.0.1/tcp/1'] }))).toBe('FERRY_NODE_CONFIG_INVALID:bootstrap')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', adminToken: 'short' }))).toBe('FERRY_NODE_CONFIG_INVALID:adminToken')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', colour: 'blue' }))).toBe('FERRY_NODE_CONFIG_INVALID:colour')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', portalJwks: { nokeys: 1 } }))).toBe('FERRY_NODE_CONFIG_INVALID:portalJwks')
    expect(fieldOf(() => parseNodeConfig({ dataDir: 'd', portalJwksUrl: 'ftp://x' }))).toBe('FERRY_NODE_CONFIG_INVALID:portalJwksUrl')
    expect(fieldOf(() => parseNodeConfig([]))).toBe('FERRY_NODE_CONFIG_INVALID:(root)')
  })

  it('accepts flags as strings', () => {
    const args = parseNodeArgs(['--data-dir', '/d', '--udp-port=4000', '--listen', '/ip4/127.0.0.1/tcp/1,/ip4/127.0.0.1/tcp/2', '--json', '--no-relay'])
    expect(args.json).toBe(true)
    const c = parseNodeConfig(args.flags)
    expect(c).toMatchObject({ dataDir: '/d', udpPort: 4000, listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'], relay: false })
    expect(fieldOf(() => parseNodeArgs(['--bogus']))).toBe('FERRY_NODE_CONFIG_INVALID:--bogus')
    expect(fieldOf(() => parseNodeArgs(['--data-dir']))).toBe('FERRY_NODE_CONFIG_INVALID:--data-dir')
  })
})
