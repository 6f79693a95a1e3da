// Which nodes an operator command (`transfers`, `bench mesh`) talks to: --node URLs and --admin-token, else the running `ferry up`.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { FerryError } from '@ferry/protocol'
import type { CliContext } from '../cli-context.js'
import { NodeOpsClient } from './node-ops-client.js'

export const NODE_TARGET_OPTIONS = {
  node: { type: 'string', multiple: true },
  'admin-token': { type: 'string' },
  'data-dir': { type: 'string' }
} as const

export const NODE_TARGET_USAGE = `  --node URL           a node's ops URL (repeatable); default: the nodes of the running \`ferry up\`
  --admin-token TOKEN  the nodes' ops admin token (or FERRY_NODE_ADMIN_TOKEN); default: the one \`ferry up\` made
  --data-dir DIR       the \`ferry up\` data folder to read, when not the default`

/** What `ferry up` leaves in its data folder while it runs, so operator commands find its nodes. */
export interface LocalState {
  portalUrl: string
  nodes: Array<{ name: string, peerId: string, httpUrl: string, udpPort: number, multiaddrs: string[] }>
  nodeAdminToken: string
}

export const LOCAL_STATE_FILE = 'running.json'

export function defaultUpDataDir (env: NodeJS.ProcessEnv): string {
  const dataHome = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(env.HOME ?? homedir(), '.local', 'share')
  return join(dataHome, 'ferry', 'up')
}

export async function nodeTargets (values: { node?: string[], 'admin-token'?: string, 'data-dir'?: string }, ctx: CliContext): Promise<NodeOpsClient[]> {
  const token = values['admin-token'] ?? ctx.env.FERRY_NODE_ADMIN_TOKEN
  if (values.node !== undefined && values.node.length > 0) return values.node.map(url => new NodeOpsClient(url, token, ctx.signal))
  const dir = values['data-dir'] ?? defaultUpDataDir(ctx.env)
  let state: LocalState
  try {
    state = JSON.parse(await readFile(join(dir, LOCAL_STATE_FILE), 'utf8')) as LocalState
  } catch (err) {
    throw new FerryError('FERRY_CLI_NO_NODES', `no nodes given and no running \`ferry up\` found in ${dir}; pass --node URL (repeatable) and --admin-token, or start \`ferry up\``, { cause: err })
  }
  return state.nodes.map(n => new NodeOpsClient(n.httpUrl, token ?? state.nodeAdminToken, ctx.signal))
}
