// `ferry up`: the local default — a portal and three meshed nodes on loopback, an admin and two demo users, URLs and credentials printed.
import { openSync, closeSync, mkdirSync, createWriteStream, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FerryError } from '@ferry/protocol'
import type { Command, CliContext } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { ChildPart } from '../local/child-part.js'
import { loadOrCreateCredentials, type LocalCredentials } from '../local/local-credentials.js'
import { NodeOpsClient } from '../local/node-ops-client.js'
import { LOCAL_STATE_FILE, defaultUpDataDir, type LocalState } from '../local/node-targets.js'
import { PortalClient } from '../portal/portal-client.js'

const USAGE = `Usage: ferry up [--data-dir DIR] [--port PORT] [--nodes N] [--json]

Starts the local default on 127.0.0.1: a portal, three storage nodes meshed together, an admin and two demo
users (alice, bob) with fresh passwords. Prints the web UI URL and the credentials, then runs until Ctrl-C.
Data and logs stay in the data folder, so the next \`ferry up\` finds the same accounts and packages.

Options:
  --data-dir DIR   where everything is kept (default $XDG_DATA_HOME/ferry/up, i.e. ~/.local/share/ferry/up)
  --port PORT      the portal's HTTP port (default 8080; 0 picks a free one)
  --nodes N        how many nodes (default 3)
  --json           print one JSON line once everything is ready:
                   {"portalUrl","nodes":[{"name","peerId","httpUrl","udpPort","multiaddrs"}],
                    "users":[{"name","password","role"}],"nodeAdminToken","dataDir"}
`

/** How long each part may take to report ready (ms): a few seconds on an idle 2-core machine, much more on a busy one. */
const START_TIMEOUT_MS = 180_000
/** How long the mesh may take to connect every node to every other (ms). */
const MESH_TIMEOUT_MS = 30_000

interface PortalReady { portalUrl: string, jwksUrl?: string, users: Array<{ name: string, password: string, role: string }> }
interface NodeReady { peerId: string, multiaddrs: string[], udpPort: number, httpUrl: string, name: string }

export const upCommand: Command = {
  name: 'up',
  summary: 'run a local portal and three meshed nodes (what `npm start` does)',
  usage: USAGE,
  async run (args, ctx) {
    const { values, positionals } = parseCommandArgs('up', args, { 'data-dir': { type: 'string' }, port: { type: 'string' }, nodes: { type: 'string' }, json: { type: 'boolean' } })
    if (positionals.length > 0) throw new UsageError('up takes no arguments')
    const port = Number(values.port ?? '8080')
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, not "${values.port}"`)
    const nodeCount = Number(values.nodes ?? '3')
    if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 16) throw new UsageError('--nodes takes a number from 1 to 16')
    const dataDir = resolve(values['data-dir'] ?? defaultUpDataDir(ctx.env))
    const json = values.json === true
    return await runLocal({ ctx, dataDir, port, nodeCount, json })
  }
}

async function runLocal (o: { ctx: CliContext, dataDir: string, port: number, nodeCount: number, json: boolean }): Promise<number> {
  const { ctx, dataDir } = o
  const credentials = await loadOrCreateCredentials(dataDir)
  const logDir = join(dataDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const parts: ChildPart[] = []
  const say = (line: string): void => { if (!o.json) ctx.stderr.write(line + '\n') }
  const startPart = (part: 'node' | 'portal', name: string, partArgs: string[]): ChildPart => {
    const logFile = join(logDir, `${name}.log`)
    const fd = openSync(logFile, 'a')
    const child = new ChildPart({ part, args: partArgs, stdio: ['ignore', 'pipe', fd], env: ctx.env })
    closeSync(fd)
    parts.push(child)
    return child
  }
  const keepLogging = (child: ChildPart, name: string): void => {
    // After the ready line, the rest of stdout goes to the log too (an unread pipe would stall the child).
    child.process.stdout?.pipe(createWriteStream(join(logDir, `${name}.log`), { flags: 'a' }))
  }
  try {
    say(`ferry up: starting the portal and ${o.nodeCount} nodes in ${dataDir} (logs in ${logDir})`)
    // --demo: the portal creates (or re-keys) the admin and the demo users and reports their fresh passwords.
    const portal = startPart('portal', 'portal', ['--dataDir', join(dataDir, 'portal'), '--host', '127.0.0.1', '--port', String(o.port), '--demo', '--json'])
    const portalReady = await portal.readyReport<PortalReady>(START_TIMEOUT_MS, ctx.signal)
    keepLogging(portal, 'portal')
    const portalUrl = portalReady.portalUrl.replace(/\/+$/, '')
    const jwksUrl = portalReady.jwksUrl ?? `${portalUrl}/api/v1/keys`
    const users = portalReady.users.map(u => ({ name: u.name, password: u.password, role: u.role }))
    const admin = users.find(u => u.role === 'admin')
    if (admin === undefined) throw new FerryError('FERRY_CLI_START_FAILED', 'the portal started without a demo admin; see its log')

    const nodeArgs = (i: number, bootstrap: string[]): string[] => [
      '--data-dir', join(dataDir, `node-${i}`), '--name', `node-${i}`,
      '--listen', '/ip4/127.0.0.1/tcp/0', '--udp-host', '127.0.0.1', '--udp-port', '0', '--http-host', '127.0.0.1', '--http-port', '0',
      '--admin-token', credentials.nodeAdminToken, '--portal-jwks-url', jwksUrl, '--json',
      ...bootstrap.flatMap(b => ['--bootstrap', b])
    ]
    const first = startPart('node', 'node-1', nodeArgs(1, []))
    const nodes: NodeReady[] = [await first.readyReport<NodeReady>(START_TIMEOUT_MS, ctx.signal)]
    keepLogging(first, 'node-1')
    const seed = nodes[0]!.multiaddrs.map(a => a.includes('/p2p/') ? a : `${a}/p2p/${nodes[0]!.peerId}`)
    const rest = await Promise.all(Array.from({ length: o.nodeCount - 1 }, async (_, k) => {
      const child = startPart('node', `node-${k + 2}`, nodeArgs(k + 2, seed.slice(0, 1)))
      const ready = await child.readyReport<NodeReady>(START_TIMEOUT_MS, ctx.signal)
      keepLogging(child, `node-${k + 2}`)
      return ready
    }))
    nodes.push(...rest)
    await waitForMesh(nodes, credentials.nodeAdminToken, ctx.signal)
    await enrolNodes(portalUrl, admin, credentials, nodes, ctx.signal)
    const state: LocalState = { portalUrl, nodes: nodes.map(n => ({ name: n.name, peerId: n.peerId, httpUrl: n.httpUrl, udpPort: n.udpPort, multiaddrs: n.multiaddrs })), nodeAdminToken: credentials.nodeAdminToken }
    writeFileSync(join(dataDir, LOCAL_STATE_FILE), JSON.stringify(state) + '\n', { mode: 0o600 })

    if (o.json) {
      ctx.stdout.write(JSON.stringify({
        portalUrl,
        nodes: nodes.map(n => ({ name: n.name, peerId: n.peerId, httpUrl: n.httpUrl, udpPort: n.udpPort, multiaddrs: n.multiaddrs })),
        users,
        nodeAdminToken: credentials.nodeAdminToken,
        dataDir
      }) + '\n')
    } else {
      ctx.stdout.write(readyText(portalUrl, nodes, users, credentials))
    }
    // Run until Ctrl-C, or until a part dies (then say which and stop the rest).
    const died = await Promise.race([
      new Promise<undefined>(resolve => ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
      ...parts.map(async (p, i) => { await p.exited; return i })
    ])
    if (died !== undefined) {
      const name = parts[died]!.options.part === 'portal' ? 'portal' : `node-${died}`
      ctx.stderr.write(`ferry up: the ${name} stopped; stopping the rest. Its log: ${join(logDir, `${name}.log`)}\n`)
      return 1
    }
    say('ferry up: stopping')
    return 0
  } catch (err) {
    if (!ctx.signal.aborted) ctx.stderr.write(`ferry up: start failed; logs are in ${logDir}\n`)
    throw err
  } finally {
    rmSync(join(dataDir, LOCAL_STATE_FILE), { force: true })
    // Nodes together, then the portal (reverse order of start, without waiting on each node in turn).
    await Promise.all(parts.slice(1).map(async part => await part.stop()))
    if (parts[0] !== undefined) await parts[0].stop()
  }
}

async function waitForMesh (nodes: NodeReady[], adminToken: string, signal: AbortSignal): Promise<void> {
  if (nodes.length < 2) return
  const deadline = Date.now() + MESH_TIMEOUT_MS
  for (;;) {
    const counts = await Promise.all(nodes.map(async n => (await new NodeOpsClient(n.httpUrl, adminToken, signal).peers().catch(() => [])).filter(p => p.connected).length))
    if (counts.every(c => c >= nodes.length - 1)) return
    if (Date.now() > deadline) {
      throw new FerryError('FERRY_CLI_START_TIMEOUT', `the nodes did not all connect to each other within ${MESH_TIMEOUT_MS / 1000} s (connected peers: ${counts.join(', ')})`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** As the admin, enrol every node (again on each start: their ports change; enrolling again refreshes the record). */
async function enrolNodes (portalUrl: string, account: { name: string, password: string }, credentials: LocalCredentials, nodes: NodeReady[], signal: AbortSignal): Promise<void> {
  const anonymous = new PortalClient({ portalUrl, signal })
  const { token, id } = await anonymous.createApiToken(account.name, account.password, 'ferry up')
  const admin = new PortalClient({ portalUrl, token, signal })
  for (const node of nodes) await admin.enrolNode({ name: node.name, opsUrl: node.httpUrl, adminToken: credentials.nodeAdminToken })
  await admin.revokeToken(id).catch(() => {})
}

function readyText (portalUrl: string, nodes: NodeReady[], users: Array<{ name: string, password: string, role: string }>, credentials: LocalCredentials): string {
  const lines = [
    '',
    `Ferry is up. Web UI: ${portalUrl}`,
    '',
    'Nodes (meshed):',
    ...nodes.map(n => `  ${n.name}  ops+gateway ${n.httpUrl}  udp 127.0.0.1:${n.udpPort}  ${n.peerId}`),
    `  ops API admin token: ${credentials.nodeAdminToken}`,
    '',
    'Accounts:',
    ...users.map(u => `  ${u.name.padEnd(6)} ${u.password}  (${u.role})`),
    '',
    'In another terminal:',
    `  npx ferry login ${portalUrl} --user alice        # password above (new on every \`ferry up\`)`,
    '  npx ferry send --to bob ./some-folder',
    `  npx ferry login ${portalUrl} --user bob && npx ferry download --new`,
    '',
    'Ctrl-C stops everything.',
    ''
  ]
  return lines.join('\n')
}
