// The transport a control conversation runs over: whole messages in order, as a libp2p length-prefixed stream gives them.

/**
 * One bidirectional conversation carrying whole messages. Implementations adapt a libp2p stream (node/, cli/) or an
 * in-memory pair (tests). `read` resolves with the next message, or null once the other side has closed its end.
 */
export interface MessageChannel {
  read (options?: { signal?: AbortSignal }): Promise<Uint8Array | null>
  write (message: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>
  /** Closes this side gracefully; further reads may still drain what was sent. */
  close (): Promise<void>
}
