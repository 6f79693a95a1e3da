// A sorted set of disjoint half-open byte ranges [start, end): what a receiver holds, what a sender knows acknowledged (SPEC.md §5).

export class RangeSet {
  /** Parallel sorted arrays; starts[i] < ends[i] < starts[i + 1]. */
  private starts: number[] = []
  private ends: number[] = []
  private total = 0

  static from (ranges: Iterable<readonly [number, number]>): RangeSet {
    const set = new RangeSet()
    for (const [start, end] of ranges) set.add(start, end)
    return set
  }

  /** Number of disjoint ranges. */
  get count (): number { return this.starts.length }
  /** Sum of range lengths (bytes). */
  get sizeBytes (): number { return this.total }

  /** Index of the first range whose end is > offset. */
  private firstEndingAfter (offset: number): number {
    let lo = 0
    let hi = this.ends.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ends[mid]! > offset) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Adds [start, end); returns how many bytes were new. */
  add (start: number, end: number): number {
    if (end <= start) return 0
    const n = this.starts.length
    // Fast path: appending at or past the last range (in-order arrival).
    if (n === 0 || start > this.ends[n - 1]!) {
      this.starts.push(start); this.ends.push(end); this.total += end - start
      return end - start
    }
    if (start >= this.starts[n - 1]! && start <= this.ends[n - 1]!) {
      const grow = Math.max(0, end - this.ends[n - 1]!)
      this.ends[n - 1] = Math.max(this.ends[n - 1]!, end); this.total += grow
      return grow
    }
    let i = this.firstEndingAfter(start - 1) // first range that touches or follows start
    let newStart = start
    let newEnd = end
    let removed = 0
    let j = i
    while (j < this.starts.length && this.starts[j]! <= end) {
      newStart = Math.min(newStart, this.starts[j]!)
      newEnd = Math.max(newEnd, this.ends[j]!)
      removed += this.ends[j]! - this.starts[j]!
      j++
    }
    if (i > 0 && this.ends[i - 1]! >= start) { i--; newStart = Math.min(newStart, this.starts[i]!); removed += this.ends[i]! - this.starts[i]! }
    this.starts.splice(i, j - i, newStart)
    this.ends.splice(i, j - i, newEnd)
    const added = newEnd - newStart - removed
    this.total += added
    return added
  }

  /** Removes [start, end). */
  remove (start: number, end: number): void {
    if (end <= start) return
    const kept: Array<[number, number]> = []
    for (const [s, e] of this.ranges()) {
      if (e <= start || s >= end) { kept.push([s, e]); continue }
      if (s < start) kept.push([s, start])
      if (e > end) kept.push([end, e])
    }
    this.starts = kept.map(r => r[0]); this.ends = kept.map(r => r[1])
    this.total = kept.reduce((sum, [s, e]) => sum + e - s, 0)
  }

  /** True when every byte of [start, end) is in the set. */
  covers (start: number, end: number): boolean {
    if (end <= start) return true
    const i = this.firstEndingAfter(start)
    return i < this.starts.length && this.starts[i]! <= start && this.ends[i]! >= end
  }

  /** True when any byte of [start, end) is in the set. */
  intersects (start: number, end: number): boolean {
    const i = this.firstEndingAfter(start)
    return i < this.starts.length && this.starts[i]! < end
  }

  /** End of the range that contains `from` (or `from` itself when not contained): the contiguous prefix from there. */
  contiguousEnd (from: number): number {
    const i = this.firstEndingAfter(from)
    return i < this.starts.length && this.starts[i]! <= from ? this.ends[i]! : from
  }

  /** The highest end, or 0 when empty. */
  get maxEnd (): number { return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1]! }

  /** Ranges intersecting [start, end), clipped to it, ascending. */
  * rangesWithin (start: number, end: number): Generator<[number, number]> {
    for (let i = this.firstEndingAfter(start); i < this.starts.length && this.starts[i]! < end; i++) {
      yield [Math.max(start, this.starts[i]!), Math.min(end, this.ends[i]!)]
    }
  }

  /** Gaps (ranges not in the set) within [start, end), ascending. */
  * gapsWithin (start: number, end: number): Generator<[number, number]> {
    let cursor = start
    for (const [s, e] of this.rangesWithin(start, end)) {
      if (s > cursor) yield [cursor, s]
      cursor = e
    }
    if (cursor < end) yield [cursor, end]
  }

  /** Index-based access for encoders walking newest-first. */
  rangeAt (index: number): [number, number] { return [this.starts[index]!, this.ends[index]!] }
  indexOfFirstEndingAfter (offset: number): number { return this.firstEndingAfter(offset) }

  * ranges (): Generator<[number, number]> {
    for (let i = 0; i < this.starts.length; i++) yield [this.starts[i]!, this.ends[i]!]
  }

  toJSON (): Array<[number, number]> { return [...this.ranges()] }
}
