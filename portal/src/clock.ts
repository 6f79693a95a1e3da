// The portal's source of time, injected so tests move time by hand instead of sleeping.

export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs: () => number
}

export const systemClock: Clock = { nowMs: () => Date.now() }

/** A clock tests set and advance explicitly. */
export class ManualClock implements Clock {
  constructor (private currentMs: number = Date.UTC(2026, 0, 1)) {}
  nowMs (): number { return this.currentMs }
  advance (deltaMs: number): void { this.currentMs += deltaMs }
  set (ms: number): void { this.currentMs = ms }
}
