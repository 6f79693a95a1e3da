// splitmix32: the simulator's seeded random source (loss, jitter, stalls), so every run replays exactly from its seed.

/** Returns a PRNG in [0, 1): tiny, fast, good enough for loss, jitter and stall draws; deterministic from its seed. */
export function splitMix32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    z = (z ^ (z >>> 16)) >>> 0
    return z / 4294967296
  }
}
