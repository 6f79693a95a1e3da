// Entry point of a Ferry node process: the only place that reads argv, env and files for config, and that listens.
import '@ferry/protocol/polyfill/promise-with-resolvers'
import { readFile } from 'node:fs/promises'
import { FerryError, isFerryError } from '@ferry/protocol'
import { parseNodeArgs } from './config/parse-node-args.js'
import { parseNodeConfig } from './config/node-config.js'
import { FerryNode } from './ferry-node.js'
import { openUdpDataEndpoint } from './transfer/udp-data-endpoint.js'
import { nodeGatewayPlugin } from './gateway/node-gateway-plugin.js'

async function readJson (path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new FerryError('FERRY_NODE_CONFIG_UNREADABLE', `cannot read ${what} ${path}: ${(err as Error).message}`, { statusCode: 400, cause: err })
  }
}

async function main (): Promise<void> {
  const args = parseNodeArgs(process.argv.slice(2))
  const fromFile = args.configFile === undefined ? {} : await readJson(args.configFile, 'config file')
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new FerryError('FERRY_NODE_CONFIG_INVALID', 'the config file must hold a JSON object', { statusCode: 400 })
  const raw: Record<string, unknown> = { ...fromFile, ...args.flags }
  if (raw.adminToken === undefined && process.env.FERRY_NODE_ADMIN_TOKEN !== undefined) raw.adminToken = process.env.FERRY_NODE_ADMIN_TOKEN
  if (typeof raw.portalJwksFile === 'string') {
    const fileKeys = await readJson(raw.portalJwksFile, 'portal key file') as { keys?: unknown }
    if (!Array.isArray(fileKeys?.keys)) throw new FerryError('FERRY_NODE_CONFIG_INVALID', `${raw.portalJwksFile} must hold a JWKS {keys: [...]}`, { statusCode: 400 })
    const inline = (raw.portalJwks as { keys?: unknown[] } | undefined)?.keys ?? []
    raw.portalJwks = { keys: [...inline, ...fileKeys.keys] }
  }
  const config = parseNodeConfig(raw)
  const node = new FerryNode(config, {
    openEndpoint: openUdpDataEndpoint,
    nowMs: Date.now,
    fetch: globalThis.fetch,
    logError: (message, err) => { process.stderr.write(`ferry node: ${message}: ${(err as Error)?.stack ?? String(err)}\n`) },
    httpPlugins: started => [nodeGatewayPlugin(started, { nowMs: Date.now })]
  })
  await node.start()
  const app = await node.buildHttpApp()
  await app.listen({ host: config.httpHost, port: config.httpPort })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort
  node.httpUrl = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`
  const info = node.info()
  if (args.json) process.stdout.write(JSON.stringify({ peerId: info.peerId, multiaddrs: info.multiaddrs, udpPort: info.udpPort, httpUrl: info.httpUrl, name: info.name }) + '\n')
  else process.stdout.write(`ferry node ${info.name} ${info.peerId}\n  mesh ${info.multiaddrs.join(' ')}\n  udp  ${info.udpHost}:${info.udpPort}\n  http ${info.httpUrl}\n`)
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void (async () => {
      await app.close().catch(() => {})
      await node.stop()
      process.exit(0)
    })()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err: unknown) => {
  // A configuration mistake is the user's, not a bug: code and message, no stack.
  if (isFerryError(err)) process.stderr.write(`ferry node: ${err.code}: ${err.message}\n`)
  else process.stderr.write(`ferry node: ${(err as Error)?.stack ?? String(err)}\n`)
  process.exit(1)
})
