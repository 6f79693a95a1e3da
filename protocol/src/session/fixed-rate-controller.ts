// A rate controller that always paces at the target rate: the `fixed` policy, and a stand-in for tests (SPEC.md §7).
import type { RateController, RateSettings, ReceiverReport } from '../congestion/rate-controller.js'

export class FixedRateController implements RateController {
  settings: RateSettings
  constructor (settings: RateSettings) { this.settings = { ...settings } }
  configure (settings: RateSettings, _nowMs: number): void { this.settings = { ...settings } }
  onPacketSent (_sizeBytes: number, _nowMs: number): void {}
  onReport (_report: ReceiverReport): void {}
  rateBitsPerSec (_nowMs: number): number { return Math.max(this.settings.minBitsPerSec, this.settings.targetBitsPerSec) }
}
