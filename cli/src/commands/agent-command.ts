// `ferry agent`: the desktop agent the web UI hands transfers to (run, approve, pending, install as a user systemd unit).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FerryError } from '@ferry/protocol'
import type { CliContext, Command } from '../cli-context.js'
import { parseCommandArgs } from '../parse-command-args.js'
import { UsageError } from '../usage-error.js'
import { ConfigStore, configDir } from '../config/config-store.js'
import { AgentServer, type PendingApproval } from '../agent/agent-server.js'
import { originOf } from '../agent/origin-policy.js'
import { Libp2pUdpTransport } from '../transfer/libp2p-udp-transport.js'

const USAGE = `Usage: ferry agent [--portal URL] [--port N] [--download-dir DIR] [--json]
       ferry agent approve CODE [--deny]
       ferry agent pending
       ferry agent install [--portal URL]

Runs the desktop agent: pages of your Ferry portal (and no other site) can hand it uploads and downloads,
which it runs over the fast UDP path. It listens on 127.0.0.1 only, and does nothing a page asks
until you approve it here with \`ferry agent approve CODE\`.

  --portal URL         the portal whose pages may use the agent (default: the one you logged in to)
  --port N             loopback port (default 7710; the web UI looks there)
  --download-dir DIR   where downloads go, one folder per package (default ~/Downloads/Ferry)
  --json               newline-delimited JSON events instead of text
`

/** The port the web UI probes for a running agent. */
export const DEFAULT_AGENT_PORT = 7710

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the desktop agent the web UI hands transfers to',
  usage: USAGE,
  async run (args, ctx) {
    const [sub, ...rest] = args
    if (sub === 'approve') return await approve(rest, ctx)
    if (sub === 'pending') return await pending(rest, ctx)
    if (sub === 'install') return await install(rest, ctx)
    return await serve(args, ctx)
  }
}

function agentDir (env: NodeJS.ProcessEnv): string { return join(configDir(env), 'agent') }
function endpointFile (env: NodeJS.ProcessEnv): string { return join(agentDir(env), 'endpoint.json') }

async function portalOriginFrom (portal: string | undefined, ctx: CliContext): Promise<string> {
  const url = portal ?? (await new ConfigStore(ctx.env).load())?.portalUrl
  if (url === undefined) throw new UsageError('agent: give --portal URL, or `ferry login <portal-url>` first')
  try { return originOf(url) } catch { throw new UsageError(`agent: --portal "${url}" is not a URL`) }
}

async function serve (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('agent', args, { portal: { type: 'string' }, port: { type: 'string' }, 'download-dir': { type: 'string' }, json: { type: 'boolean' } })
  if (values.help === true) { ctx.stdout.write(USAGE); return 0 }
  if (positionals.length > 0) throw new UsageError(`agent: unknown sub-command "${positionals[0]}"; run \`ferry agent --help\``)
  const port = values.port === undefined ? DEFAULT_AGENT_PORT : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('agent: --port takes a port number')
  const portalOrigin = await portalOriginFrom(values.portal, ctx)
  const downloadDir = resolve(values['download-dir'] ?? join(ctx.env.HOME ?? homedir(), 'Downloads', 'Ferry'))
  const json = values.json === true
  const emit = (event: Record<string, unknown>, text: string): void => { ctx.stdout.write(json ? JSON.stringify(event) + '\n' : text + '\n') }
  const stateDir = agentDir(ctx.env)
  const server = new AgentServer(
    { host: '127.0.0.1', port, portalOrigin, downloadDir, stateDir },
    { ctx, choice: { forceGateway: ctx.env.FERRY_UDP === 'off', udp: ctx.env.FERRY_UDP === 'off' ? undefined : new Libp2pUdpTransport(ctx) }, stateDir: join(stateDir, 'transfers') },
    {
      approvalNeeded: (a: PendingApproval) => emit({ type: 'approval', ...a }, `? ${a.kind === 'pair' ? 'Pairing' : 'Transfer'} request: ${a.description}\n  approve: ferry agent approve ${a.code}    refuse: ferry agent approve ${a.code} --deny`),
      log: line => emit({ type: 'log', message: line }, line)
    })
  await server.start()
  await mkdir(stateDir, { recursive: true, mode: 0o700 })
  await writeFile(endpointFile(ctx.env), JSON.stringify({ url: server.url, pid: process.pid }) + '\n', { mode: 0o600 })
  emit({ type: 'ready', url: server.url, portalOrigin, downloadDir }, `Ferry agent on ${server.url} for pages of ${portalOrigin}; downloads go to ${downloadDir}. Ctrl-C stops it (running transfers resume at the next start).`)
  await new Promise<void>(resolve => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
  await server.stop()
  return 0
}

/** Talks to the running agent as the local user: the admin secret comes from the agent's 0600 state file. */
async function adminCall (ctx: CliContext, path: string, init: { method: string, body?: unknown }): Promise<any> {
  let endpoint: { url: string }
  let secret: string
  try {
    endpoint = JSON.parse(await readFile(endpointFile(ctx.env), 'utf8'))
    secret = JSON.parse(await readFile(join(agentDir(ctx.env), 'agent-state.json'), 'utf8')).adminSecret
  } catch {
    throw new FerryError('FERRY_AGENT_NOT_RUNNING', 'no agent has run for this user; start one with `ferry agent`')
  }
  let response: Response
  try {
    response = await fetch(endpoint.url + path, { method: init.method, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }), signal: ctx.signal })
  } catch (err) {
    throw new FerryError('FERRY_AGENT_NOT_RUNNING', `the agent at ${endpoint.url} does not answer; start it with \`ferry agent\``, { cause: err })
  }
  const body = await response.json() as { error?: { code: `FERRY_${string}`, message: string } }
  if (!response.ok) throw new FerryError(body.error?.code ?? 'FERRY_AGENT_INTERNAL', body.error?.message ?? `agent answered ${response.status}`)
  return body
}

async function approve (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('agent approve', args, { deny: { type: 'boolean' } })
  if (positionals.length !== 1) throw new UsageError('agent approve takes one CODE, as the agent printed it (see `ferry agent pending`)')
  const result = await adminCall(ctx, `/agent/v1/approvals/${encodeURIComponent(positionals[0]!)}`, { method: 'POST', body: { approve: values.deny !== true } })
  ctx.stdout.write(`${result.kind} ${result.code}: ${result.state}\n`)
  return 0
}

async function pending (_args: string[], ctx: CliContext): Promise<number> {
  const { approvals } = await adminCall(ctx, '/agent/v1/approvals', { method: 'GET' }) as { approvals: PendingApproval[] }
  if (approvals.length === 0) ctx.stdout.write('Nothing is waiting for your approval.\n')
  for (const a of approvals) ctx.stdout.write(`${a.code}  ${a.kind}  ${a.description}\n`)
  return 0
}

async function install (args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('agent install', args, { portal: { type: 'string' } })
  const portalOrigin = await portalOriginFrom(values.portal, ctx)
  const ferryBin = fileURLToPath(new URL('../../bin/ferry.js', import.meta.url))
  const unitDir = join(ctx.env.XDG_CONFIG_HOME ?? join(ctx.env.HOME ?? homedir(), '.config'), 'systemd', 'user')
  await mkdir(unitDir, { recursive: true })
  const unitFile = join(unitDir, 'ferry-agent.service')
  await writeFile(unitFile, `[Unit]
Description=Ferry desktop agent (transfers handed over by the Ferry web UI)

[Service]
ExecStart=${process.execPath} ${ferryBin} agent --portal ${portalOrigin}
Restart=on-failure

[Install]
WantedBy=default.target
`)
  ctx.stdout.write(`Wrote ${unitFile}.\nStart it now and at every login with: systemctl --user enable --now ferry-agent\n`)
  return 0
}
