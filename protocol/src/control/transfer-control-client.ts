// The client side of /ferry/transfer/1, independent of libp2p: open with a token, get the UDP session, follow progress, change rate, cancel.
import { FerryError, type FerryErrorCode } from '../errors/ferry-error.js'
import type { RateSettings } from '../congestion/rate-controller.js'
import { decodeControlMessage, encodeControlMessage, type AcceptMessage, type CompleteMessage, type ControlMessage, type OpenMessage, type ProgressMessage } from './control-message.js'
import type { MessageChannel } from './message-channel.js'

export type OpenRequest = Omit<OpenMessage, 'type'>

/** Turns a node's `error` message into a FerryError carrying the node's code. */
export function remoteError (message: { code: string, message: string }): FerryError {
  const code: FerryErrorCode = message.code.startsWith('FERRY_') ? message.code as FerryErrorCode : 'FERRY_CONTROL_REMOTE'
  return new FerryError(code, message.message, { statusCode: 502, details: { remote: true } })
}

/**
 * A transfer the node has accepted. Call `open` once; then run the UDP session with `accept`'s parameters while
 * awaiting `complete()`, which resolves with the node's signed receipt or rejects with the node's coded error.
 * `setRate` and `cancel` may be called at any time before `complete()` settles.
 */
export class TransferControlClient {
  readonly accept: AcceptMessage
  private readonly channel: MessageChannel

  private constructor (channel: MessageChannel, accept: AcceptMessage) {
    this.channel = channel
    this.accept = accept
  }

  /** Sends `open` and waits for `accept`; rejects with the node's code (e.g. FERRY_TOKEN_EXPIRED) when refused. */
  static async open (channel: MessageChannel, request: OpenRequest, options: { signal?: AbortSignal } = {}): Promise<TransferControlClient> {
    await channel.write(encodeControlMessage({ type: 'open', ...request }), options)
    const reply = await readMessage(channel, options.signal)
    if (reply.type === 'error') throw remoteError(reply)
    if (reply.type !== 'accept') throw new FerryError('FERRY_CONTROL_UNEXPECTED', `expected accept, got ${reply.type}`, { statusCode: 502 })
    return new TransferControlClient(channel, reply)
  }

  async setRate (settings: RateSettings): Promise<void> {
    await this.channel.write(encodeControlMessage({ type: 'rate', ...settings }))
  }

  async cancel (): Promise<void> {
    await this.channel.write(encodeControlMessage({ type: 'cancel' }))
  }

  /** Reads progress events until the node says `complete` (resolves) or `error` (rejects). Closes the channel either way. */
  async complete (options: { signal?: AbortSignal, onProgress?: (p: ProgressMessage) => void } = {}): Promise<CompleteMessage> {
    try {
      for (;;) {
        const message = await readMessage(this.channel, options.signal)
        if (message.type === 'progress') options.onProgress?.(message)
        else if (message.type === 'complete') return message
        else if (message.type === 'error') throw remoteError(message)
        else throw new FerryError('FERRY_CONTROL_UNEXPECTED', `unexpected ${message.type} from the node`, { statusCode: 502 })
      }
    } finally {
      await this.channel.close().catch(() => {})
    }
  }
}

async function readMessage (channel: MessageChannel, signal?: AbortSignal): Promise<ControlMessage> {
  const bytes = await channel.read({ signal })
  if (bytes === null) throw new FerryError('FERRY_CONTROL_CLOSED', 'the node closed the control stream', { statusCode: 502 })
  return decodeControlMessage(bytes)
}
