// Turns `node main.js` arguments into a raw config object (flags override the --config file), without touching the file system.
import { FerryError } from '@ferry/protocol'

export interface NodeArgs {
  /** Path of a JSON config file, read by main.ts. */
  configFile: string | undefined
  /** Print one JSON line when ready. */
  json: boolean
  /** Settings given as flags, by NodeConfig field name. */
  flags: Record<string, unknown>
}

/** Flag name → config field; repeatable flags collect into lists. */
const FLAGS: Record<string, { field: string, list?: boolean, bool?: boolean }> = {
  '--data-dir': { field: 'dataDir' },
  '--name': { field: 'name' },
  '--listen': { field: 'listen', list: true },
  '--bootstrap': { field: 'bootstrap', list: true },
  '--udp-host': { field: 'udpHost' },
  '--udp-port': { field: 'udpPort' },
  '--http-host': { field: 'httpHost' },
  '--http-port': { field: 'httpPort' },
  '--admin-token': { field: 'adminToken' },
  '--portal-jwks-url': { field: 'portalJwksUrl' },
  '--portal-jwks-file': { field: 'portalJwksFile' },
  '--no-relay': { field: 'relay', bool: true }
}

export function parseNodeArgs (argv: readonly string[]): NodeArgs {
  const out: NodeArgs = { configFile: undefined, json: false, flags: {} }
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]
    let inline: string | undefined
    const eq = arg.indexOf('=')
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq) }
    if (arg === '--json') { out.json = true; continue }
    const value = (): string => {
      if (inline !== undefined) return inline
      const v = argv[++i]
      if (v === undefined) throw new FerryError('FERRY_NODE_CONFIG_INVALID', `${arg} needs a value`, { statusCode: 400, details: { flag: arg } })
      return v
    }
    if (arg === '--config') { out.configFile = value(); continue }
    const spec = FLAGS[arg]
    if (spec === undefined) throw new FerryError('FERRY_NODE_CONFIG_INVALID', `unknown flag ${arg}`, { statusCode: 400, details: { flag: arg } })
    if (spec.bool === true) { out.flags[spec.field] = false; continue }
    const v = value()
    if (spec.list === true) {
      const list = (out.flags[spec.field] as string[] | undefined) ?? []
      list.push(...v.split(',').filter(s => s !== ''))
      out.flags[spec.field] = list
    } else {
      out.flags[spec.field] = v
    }
  }
  return out
}
