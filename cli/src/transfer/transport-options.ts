// The options that choose how bytes move (--via, --json and the rate options), shared by send, download and cp.
import type { CliContext } from '../cli-context.js'
import { UsageError } from '../usage-error.js'
import { RATE_OPTIONS, RATE_USAGE } from '../rate-options.js'
import type { TransferChoice, UdpTransport } from './package-transfer.js'

export const TRANSPORT_OPTIONS = {
  ...RATE_OPTIONS,
  via: { type: 'string' },
  json: { type: 'boolean' }
} as const

export const TRANSPORT_USAGE = `${RATE_USAGE}
  --via auto|gateway   auto (default): UDP, falling back to the node's HTTP gateway when UDP is blocked;
                       gateway: HTTP only (also FERRY_UDP=off in the environment;
                       FERRY_UDP=blocked rehearses a network that drops UDP, to see the fallback)
  --json               newline-delimited JSON progress events on stdout instead of progress bars`

/** Loads the UDP transport lazily (it pulls in libp2p), unless the gateway was asked for. */
export async function transferChoice (values: { via?: string }, ctx: CliContext): Promise<TransferChoice> {
  const via = values.via ?? 'auto'
  if (via !== 'auto' && via !== 'gateway') throw new UsageError(`--via takes auto or gateway, not "${via}"`)
  const forceGateway = via === 'gateway' || ctx.env.FERRY_UDP === 'off'
  return { forceGateway, udp: forceGateway ? undefined : await loadUdpTransport(ctx) }
}

async function loadUdpTransport (ctx: CliContext): Promise<UdpTransport | undefined> {
  const { Libp2pUdpTransport } = await import('./libp2p-udp-transport.js')
  return new Libp2pUdpTransport(ctx)
}
