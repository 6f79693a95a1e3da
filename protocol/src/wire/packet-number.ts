// Packet numbers on the wire: the low 32 bits of a number that is 64-bit in concept, and how a receiver recovers the full number (SPEC.md §3.2).

/** Packet number bits carried in the header (SPEC.md §3.1). */
export const PACKET_NUMBER_WIRE_BITS = 32
/** How many numbers the wire's 32 bits tell apart. */
const PACKET_NUMBER_WINDOW = 2 ** PACKET_NUMBER_WIRE_BITS
/**
 * A sender never has more datagrams than this unacknowledged (SPEC.md §3.2): a quarter of the wire's window, so the
 * receiver's reconstruction, which is right within half the window, always is; a number further ahead than this is
 * refused before decryption.
 */
export const MAX_UNACKNOWLEDGED_PACKETS = 2 ** 30
/** A session closes before its packet numbers reach this: the nonce carries 48 bits of them (SPEC.md §3.2, §3.4). */
export const MAX_PACKET_NUMBER = 2 ** 48 - 1

/**
 * The full packet number whose low 32 bits are `truncated`: the candidate closest to `largestAuthenticated` + 1
 * (RFC 9000 appendix A.3), or undefined when that candidate is MAX_UNACKNOWLEDGED_PACKETS or more ahead of it (no
 * honest sender gets there). `largestAuthenticated` is -1 before any datagram authenticated.
 */
export function decodePacketNumber (truncated: number, largestAuthenticated: number): number | undefined {
  const expected = largestAuthenticated + 1
  // The expected number with its low 32 bits replaced (`% WINDOW` keeps this exact above 2^32, where bit operators would not).
  let candidate = expected - (expected % PACKET_NUMBER_WINDOW) + truncated
  if (candidate <= expected - PACKET_NUMBER_WINDOW / 2) candidate += PACKET_NUMBER_WINDOW
  else if (candidate > expected + PACKET_NUMBER_WINDOW / 2 && candidate >= PACKET_NUMBER_WINDOW) candidate -= PACKET_NUMBER_WINDOW
  if (candidate - expected >= MAX_UNACKNOWLEDGED_PACKETS) return undefined
  return candidate
}
