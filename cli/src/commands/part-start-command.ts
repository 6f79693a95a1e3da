// `ferry node start` and `ferry portal start`: run the storage node or the portal in the foreground, with the options passed through.
import type { Command } from '../cli-context.js'
import { UsageError } from '../usage-error.js'
import { ChildPart } from '../local/child-part.js'
import type { Part } from '../local/part-entry.js'

const NODE_USAGE = `Usage: ferry node start [--config FILE] [options]

Runs a Ferry storage node in the foreground (node/dist/main.js); every option goes to it unchanged.

Options (also settable in the --config JSON file, by the names in brackets):
  --data-dir DIR           identity key, LevelDB and package files [dataDir] (required)
  --name NAME              name shown in the portal [name]
  --listen MULTIADDR       libp2p listen address, repeatable [listen] (default /ip4/127.0.0.1/tcp/0)
  --bootstrap MULTIADDR    a peer to join the mesh through, with /p2p/<peerId>, repeatable [bootstrap]
  --udp-host HOST          UDP data address [udpHost]      --udp-port N   [udpPort]
  --http-host HOST         ops API and gateway [httpHost]   --http-port N  [httpPort]
  --admin-token TOKEN      Bearer token for the ops API (16+ characters) [adminToken]
  --portal-jwks-url URL    the portal's token keys, e.g. http://127.0.0.1:8080/api/v1/keys [portalJwksUrl]
  --portal-jwks-file FILE  the same, from a file [portalJwksFile]
  --json                   print one JSON line when ready: {"peerId","multiaddrs","udpPort","httpUrl","name"}
`

const PORTAL_USAGE = `Usage: ferry portal start [options]

Runs the Ferry portal in the foreground (portal/dist/main.js); every option goes to it unchanged.
Run \`ferry portal start --help\` for the portal's own options.
`

function partStartCommand (part: Part): Command {
  return {
    name: part,
    summary: part === 'node' ? 'node start: run a storage node in the foreground' : 'portal start: run the portal in the foreground',
    usage: part === 'node' ? NODE_USAGE : PORTAL_USAGE,
    async run (args, ctx) {
      const [action, ...rest] = args
      if (action !== 'start') throw new UsageError(`\`ferry ${part}\` needs an action: \`ferry ${part} start [options]\``)
      const child = new ChildPart({ part, args: rest, stdio: 'inherit', env: ctx.env })
      // Ctrl-C reaches the child from the terminal too; forwarding covers `kill <ferry pid>` and service managers.
      const onAbort = (): void => { child.process.kill('SIGTERM') }
      ctx.signal.addEventListener('abort', onAbort, { once: true })
      const code = await child.exited
      ctx.signal.removeEventListener('abort', onAbort)
      return code
    }
  }
}

export const nodeCommand = partStartCommand('node')
export const portalCommand = partStartCommand('portal')
