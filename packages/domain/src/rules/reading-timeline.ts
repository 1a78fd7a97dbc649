import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { SlidingMedian } from './sliding-median.js'

/**
 * A patient's stored readings as the rules look back on them (issue 20's
 * linear replay, ADR 0036): per vital, in time order, each rule asking only
 * for its own window by binary search instead of filtering the whole history
 * at every reading. The rules worker builds one from the history it loaded
 * for a round; the what-if replay keeps ONE for the whole period and each
 * judged batch joins it, as stored readings join the worker's table — the
 * same `evaluateReadings`, the same rules, only no re-reading.
 *
 * Readings of equal time keep the order they were added in (the history,
 * then the new batch), as the old merged timeline did; a reading added twice
 * (same device, measurement, vital and time) is kept once.
 */
export class ReadingTimeline {
  private readonly series = new Map<VitalType, Series>()

  /** A timeline of these readings (a timeline given is used as it is). */
  static of(readings: readonly Reading[] | ReadingTimeline): ReadingTimeline {
    if (readings instanceof ReadingTimeline) return readings
    const timeline = new ReadingTimeline()
    timeline.add(readings)
    return timeline
  }

  /** Adds readings in any order; ones already here are dropped. */
  add(readings: readonly Reading[]): void {
    const sorted = isInTimeOrder(readings) ? readings : [...readings].sort((a, b) => a.measuredAt.getTime() - b.measuredAt.getTime())
    for (const reading of sorted) this.addOne(reading)
  }

  /** The vitals it holds readings of. */
  types(): VitalType[] {
    return [...this.series.keys()]
  }

  /** When the latest reading of `type` was measured (what a missed-measurement check asks). */
  lastMeasuredAt(type: VitalType): Date | undefined {
    return this.series.get(type)?.readings.at(-1)?.measuredAt
  }

  /** The latest reading of `type` measured in [fromMs, toMs] (inclusive); among equal times, the one added last. */
  latest(type: VitalType, fromMs: number, toMs: number): Reading | undefined {
    const s = this.series.get(type)
    if (!s) return undefined
    const i = upperBound(s.times, toMs) - 1
    return i >= 0 && (s.times[i] as number) >= fromMs ? s.readings[i] : undefined
  }

  /** The readings of `type` measured in [fromMs, toMs), oldest first. */
  between(type: VitalType, fromMs: number, toMs: number): readonly Reading[] {
    const s = this.series.get(type)
    if (!s) return []
    return s.readings.slice(lowerBound(s.times, fromMs), lowerBound(s.times, toMs))
  }

  /**
   * The median and count of the values of `type` measured in [fromMs, toMs).
   * Kept per window length as a sliding median: asked again with the window
   * moved forward (the next reading of a replay) it takes in the readings
   * that entered and forgets the ones that left, O(log n) each; a window that
   * moved back, or a reading added inside it, builds it again.
   */
  median(type: VitalType, fromMs: number, toMs: number): { median: number; count: number } | null {
    const s = this.series.get(type)
    if (!s) return null
    const start = lowerBound(s.times, fromMs)
    const end = lowerBound(s.times, toMs)
    if (end <= start) return null
    const span = toMs - fromMs
    let w = s.windows.get(span)
    if (!w || start < w.start || end < w.end) {
      w = { start, end: start, median: new SlidingMedian() }
      s.windows.set(span, w)
    }
    for (let i = w.start; i < Math.min(start, w.end); i++) w.median.remove(i)
    for (let i = Math.max(w.end, start); i < end; i++) w.median.add(i, (s.readings[i] as Reading).value)
    w.start = start
    w.end = end
    return { median: w.median.median() as number, count: end - start }
  }

  private addOne(reading: Reading): void {
    let s = this.series.get(reading.type)
    if (!s) {
      s = { times: [], readings: [], windows: new Map() }
      this.series.set(reading.type, s)
    }
    const t = reading.measuredAt.getTime()
    const at = upperBound(s.times, t)
    // only a reading of the same time can be the same reading
    for (let i = at - 1; i >= 0 && s.times[i] === t; i--) {
      const other = s.readings[i] as Reading
      if (other.deviceId === reading.deviceId && other.measurementId === reading.measurementId) return
    }
    if (at === s.times.length) {
      s.times.push(t)
      s.readings.push(reading)
      return
    }
    // a late reading lands inside the series: the indexes the sliding windows hold move, so they start again
    s.times.splice(at, 0, t)
    s.readings.splice(at, 0, reading)
    s.windows.clear()
  }
}

interface Series {
  times: number[]
  readings: Reading[]
  /** Sliding medians by window length: the indexes [start, end) they hold. */
  windows: Map<number, { start: number; end: number; median: SlidingMedian }>
}

function isInTimeOrder(readings: readonly Reading[]): boolean {
  for (let i = 1; i < readings.length; i++) {
    if ((readings[i] as Reading).measuredAt.getTime() < (readings[i - 1] as Reading).measuredAt.getTime()) return false
  }
  return true
}

/** The first index whose time is >= t. */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((times[mid] as number) < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The first index whose time is > t. */
function upperBound(times: readonly number[], t: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((times[mid] as number) <= t) lo = mid + 1
    else hi = mid
  }
  return lo
}
