// Adapts a libp2p stream to the control plane's MessageChannel: varint length-prefixed messages, null at a clean end.
import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { MAX_CONTROL_MESSAGE_BYTES } from '@ferry/protocol/control/control-message'
import type { MessageChannel } from '@ferry/protocol/control/message-channel'

export class StreamChannel implements MessageChannel {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>

  constructor (stream: Stream) {
    this.stream = stream
    this.lp = lpStream(stream, { maxDataLength: MAX_CONTROL_MESSAGE_BYTES })
  }

  async read (options: { signal?: AbortSignal } = {}): Promise<Uint8Array | null> {
    try {
      return (await this.lp.read(options)).subarray()
    } catch (err) {
      // The other side closed its end between messages: a clean end of the conversation.
      if ((err as Error).name === 'UnexpectedEOFError') return null
      throw err
    }
  }

  async write (message: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.lp.write(message, options)
  }

  async close (): Promise<void> {
    await this.stream.close({ signal: AbortSignal.timeout(2_000) }).catch(() => { this.stream.abort(new Error('close timed out')) })
  }
}
