import type { VitalType } from '../vital-types.js'
import type { AlertFinding } from './alert.js'
import { classifyValue } from './band.js'
import type { ThresholdParams } from './rule-set.js'
import { maxSeverity, type Severity } from './severity.js'

/**
 * Which readings alerted in a replay, and in which band (issue 20's what-if:
 * the exact readings that would now alert or now pass). Filled from the
 * findings the replay counted (`replayAlerts`' `onFinding`, the very
 * findings of `evaluateReadings`), so there is no second judgement of any
 * reading here.
 *
 * A finding names more readings than the ones it is about: a threshold on
 * blood pressure names the systolic and diastolic of the cuff, a weight gain
 * the lowest weight of its window, NEWS2 each parameter's latest reading. A
 * reading alerts when the finding is about it: for a threshold, when its own
 * value is in a band (its band, not the measurement's worst); for a trend or
 * NEWS2, when it was measured at the finding's instant (the measurement
 * judged), with the finding's severity. A reading several rules alert on
 * takes the highest band.
 */
export interface BandedReading {
  measurementId: string
  type: VitalType
  value: number
  unit: string
  measuredAt: Date
  band: Severity
}

export class ReadingBands {
  private readonly byKey = new Map<string, BandedReading>()

  /** The finding's readings it is about, each at the band it puts them in. */
  add(finding: AlertFinding): void {
    for (const r of finding.readings) {
      const band = finding.ruleKind === 'threshold'
        ? bandOfThreshold(finding.thresholds as ThresholdParams, r.type, r.value)
        : r.measuredAt.getTime() === finding.triggeredAt.getTime() ? finding.severity : null
      if (!band) continue
      const key = keyOf(r)
      const known = this.byKey.get(key)
      if (known) known.band = maxSeverity(known.band, band)
      else this.byKey.set(key, { measurementId: r.measurementId, type: r.type, value: r.value, unit: r.unit, measuredAt: r.measuredAt, band })
    }
  }

  get(key: string): BandedReading | undefined {
    return this.byKey.get(key)
  }

  get size(): number {
    return this.byKey.size
  }

  entries(): IterableIterator<[string, BandedReading]> {
    return this.byKey.entries()
  }
}

const keyOf = (r: { measurementId: string; type: VitalType }) => `${r.measurementId}\u0000${r.type}`

function bandOfThreshold(params: ThresholdParams, type: VitalType, value: number): Severity | null {
  const bands = params.vitals.find((b) => b.vital === type)
  return bands ? classifyValue(bands, value) : null
}

/** One reading whose band differs between the two replays; null: it did not alert. */
export interface ReadingChange {
  measurementId: string
  type: VitalType
  value: number
  unit: string
  measuredAt: Date
  before: Severity | null
  after: Severity | null
}

/** The exact number, and the newest `limit` of them (newest first). */
export interface ReadingChangeList {
  count: number
  readings: ReadingChange[]
}

export interface ReadingChanges {
  /** Did not alert, would alert. */
  nowAlert: ReadingChangeList
  /** Alerted, would not. */
  nowPass: ReadingChangeList
  /** Alerts either way, in another band (yellow ↔ red). */
  otherBand: ReadingChangeList
}

/**
 * What-if's list cap: 30 days of minute readings can change tens of thousands
 * of readings; a form shows the newest and says how many more (the counts stay exact).
 */
export const READING_CHANGES_LIMIT = 50

export function compareReadingBands(before: ReadingBands, after: ReadingBands, limit = READING_CHANGES_LIMIT): ReadingChanges {
  const lists = { nowAlert: [] as ReadingChange[], nowPass: [] as ReadingChange[], otherBand: [] as ReadingChange[] }
  const change = (r: BandedReading, b: Severity | null, a: Severity | null): ReadingChange => ({
    measurementId: r.measurementId, type: r.type, value: r.value, unit: r.unit, measuredAt: r.measuredAt, before: b, after: a,
  })
  for (const [key, was] of before.entries()) {
    const now = after.get(key)
    if (!now) lists.nowPass.push(change(was, was.band, null))
    else if (now.band !== was.band) lists.otherBand.push(change(was, was.band, now.band))
  }
  for (const [key, now] of after.entries()) if (!before.get(key)) lists.nowAlert.push(change(now, null, now.band))
  const capped = (list: ReadingChange[]): ReadingChangeList => ({
    count: list.length,
    readings: newestFirst(list).slice(0, limit),
  })
  return { nowAlert: capped(lists.nowAlert), nowPass: capped(lists.nowPass), otherBand: capped(lists.otherBand) }
}

/** Newest first; a cuff's readings in a fixed order (by type), so a list reads the same each time. */
function newestFirst(list: ReadingChange[]): ReadingChange[] {
  return list.sort((a, b) => b.measuredAt.getTime() - a.measuredAt.getTime() || a.type.localeCompare(b.type) || a.measurementId.localeCompare(b.measurementId))
}
