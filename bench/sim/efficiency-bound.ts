// The best efficiency any sender could reach in a single-flow scenario under issue 3's timing (spec-rate-control.md §7): the data at the link's rate, plus the last datagram's one-way delay and the repair of the losses of the last RTT (the handshake costs nothing: data goes in the first flight, SPEC.md §4.2.1).

/** Wire bytes of a full datagram on a 1500-byte MTU path: what the bottleneck's loss rate is counted in. */
const WIRE_DATAGRAM_BYTES = 1500

/**
 * T ÷ (T + 0.5 RTT + tail), T = payload time at C × payloadFraction × (1 − p). The tail is E[max(0, RTT − s)], s the
 * time back from the end of new data to the last loss, losses Poisson at p × C ÷ (1500 × 8) per second.
 */
export function efficiencyBound (payloadBytes: number, capacityBitsPerSec: number, rttMs: number, lossRate: number, payloadFraction: number): number {
  const dataSeconds = (8 * payloadBytes) / (capacityBitsPerSec * payloadFraction * (1 - lossRate))
  const rttSeconds = rttMs / 1000
  const lossesPerSecond = lossRate * capacityBitsPerSec / (WIRE_DATAGRAM_BYTES * 8)
  const tailSeconds = lossesPerSecond === 0 ? 0 : rttSeconds - (1 - Math.exp(-lossesPerSecond * rttSeconds)) / lossesPerSecond
  return dataSeconds / (dataSeconds + 0.5 * rttSeconds + tailSeconds)
}
