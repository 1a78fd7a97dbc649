import { LATE_AFTER_MS } from '../protocol/judge-batch.js'
import type { Reading } from '../protocol/types.js'
import type { AlertAction, AlertFinding, OpenAlertState } from './alert.js'
import { AlertLedger, type Verdict } from './alert-ledger.js'
import { evaluateBaselineDeviation } from './baseline-deviation.js'
import { groupByMeasurement } from './measurement-group.js'
import { computeNews2, evaluateNews2 } from './news2.js'
import { ReadingTimeline } from './reading-timeline.js'
import { enabledRules, type RuleSet } from './rule-set.js'
import { evaluateThreshold } from './threshold.js'
import { evaluateWeightGain } from './weight-gain.js'

/**
 * True for a reading that is history only and must never page anyone: flagged
 * `late` by ingest, or (when re-evaluating) measured more than 24 h before `now`
 * (the protocol's `LATE_AFTER_MS`).
 */
export function isHistoryOnly(reading: Reading, now: Date): boolean {
  return (
    reading.flags.includes('late') || now.getTime() - reading.measuredAt.getTime() > LATE_AFTER_MS
  )
}

export interface EvaluateReadingsInput {
  ruleSet: RuleSet
  /** The readings just stored, of one patient. */
  readings: readonly Reading[]
  /**
   * The patient's stored readings before these (at least the longest rule
   * window: 14 days). May include `readings` themselves; duplicates are dropped.
   * A `ReadingTimeline` is kept and `readings` join it (the what-if replay
   * carries one through a whole period, so no reading is looked at again
   * for each new one: ADR 0036); an array is left as it is.
   */
  history: readonly Reading[] | ReadingTimeline
  /** The patient's open (unresolved) alerts. */
  openAlerts: readonly OpenAlertState[]
  now: Date
  /**
   * Told of each finding that counted on an alert, as it counts (the what-if's
   * per-reading lists: which readings alert and in which band). The actions
   * keep one finding per alert and evaluation; this sees every one.
   */
  onFinding?: ((finding: AlertFinding) => void) | undefined
}

/**
 * Judges new readings against a patient's threshold, trend and NEWS2 rules,
 * measurement by measurement in time order, and returns the alert actions.
 * Late readings are history: they count in trends and baselines of later
 * readings but are never judged themselves. Missed measurements and device
 * health have their own entry points (`evaluateSchedules`,
 * `evaluateDeviceHealth`): call `evaluateSchedules` after storing readings
 * too, so a measurement that arrives clears its missed-measurement alert.
 */
export function evaluateReadings(input: EvaluateReadingsInput): AlertAction[] {
  const { ruleSet, now } = input
  const timeline = ReadingTimeline.of(input.history)
  timeline.add(input.readings)
  const ledger = new AlertLedger(input.openAlerts, now)
  const news2Rule = enabledRules(ruleSet, 'news2')[0]

  for (const group of groupByMeasurement(input.readings.filter((r) => !isHistoryOnly(r, now)))) {
    // each rule reads only its own window of the timeline, before (or up to) the measurement's time
    const news2Score = news2Rule
      ? (computeNews2(news2Rule.params, timeline, group.at)?.score ?? null)
      : null

    const verdicts: { rule: (typeof ruleSet.rules)[number]; verdict: Verdict }[] = []
    for (const rule of ruleSet.rules) {
      if (!rule.isEnabled) continue
      let verdict: Verdict | null = null
      switch (rule.kind) {
        case 'threshold':
          verdict = evaluateThreshold(rule, group, news2Score)
          break
        case 'weight-gain':
          verdict = evaluateWeightGain(rule, group, timeline, ruleSet.timeZone)
          break
        case 'baseline-deviation':
          verdict = evaluateBaselineDeviation(rule, group, timeline)
          break
        case 'news2':
          verdict = evaluateNews2(rule, group, timeline)
          break
        default:
          break
      }
      if (verdict) verdicts.push({ rule, verdict })
    }
    // One reading, one new alert about it: a value outside the patient's
    // limits is already an alert, so a deviation from their own baseline (for
    // drift while still inside the limits) opens none of its own then; an
    // open baseline alert is still updated.
    // (built only when a baseline found something: most measurements of a replay find nothing)
    const hasBaselineFinding = verdicts.some(({ rule, verdict }) => rule.kind === 'baseline-deviation' && verdict.kind === 'finding')
    const beyondLimits = new Set(
      hasBaselineFinding
        ? verdicts.flatMap(({ rule, verdict }) =>
            rule.kind === 'threshold' && verdict.kind === 'finding' ? verdict.finding.readings.map((r) => r.type) : [],
          )
        : [],
    )
    for (const { rule, verdict } of verdicts) {
      const isRedundant =
        rule.kind === 'baseline-deviation' &&
        verdict.kind === 'finding' &&
        beyondLimits.has(rule.params.vital) &&
        ledger.current(verdict.alertKey) === null
      if (!isRedundant && ledger.apply(verdict) && verdict.kind === 'finding') input.onFinding?.(verdict.finding)
    }
  }
  return ledger.actions()
}
