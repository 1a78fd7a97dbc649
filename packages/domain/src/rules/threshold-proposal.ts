import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { breachedSide, type Band, type BandSide, type Limit } from './band.js'
import { enabledRules, type RuleSet, type ThresholdParams, type VitalBands } from './rule-set.js'

/**
 * Personal thresholds from the patient's own start-up readings (oppstart,
 * Helsedirektoratet's 2–4 week baseline; issue 17). Proposed, never applied:
 * the clinician accepts or edits each, and it is stored as a versioned rule
 * override with who and why, as every threshold change is.
 *
 * Per threshold rule and vital, a side (low or high) is proposed anew only
 * when the patient's own readings fell in the current yellow or red band
 * often (a fifth of them or more): the defaults do not fit this patient.
 * The new limits sit outside the patient's usual range (its 10th or 90th
 * percentile) by two (yellow) and four (red) times the rule's hysteresis, so a
 * value the patient often has raises no alert, and a clear change still does.
 * A side the readings fit is left as it is.
 */
export interface ThresholdProposal {
  ruleId: string
  /** The override's params: the rule's vitals with the proposed bands. */
  params: ThresholdParams
  /** Per vital proposed: readings used, their median and usual range. */
  basis: { vital: VitalType; readings: number; median: number; low: number; high: number }[]
}

/** Fewer start-up readings of a vital than this: no proposal for it. */
export const MIN_PROPOSAL_READINGS = 5
const OFTEN = 0.2

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q
  const lo = Math.floor(i)
  const hi = Math.ceil(i)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo)
}

const round1 = (v: number) => Math.round(v * 10) / 10
const limit = (value: number): Limit => ({ value: round1(value), isInclusive: true })

export function proposeThresholds(ruleSet: RuleSet, readings: readonly Reading[]): ThresholdProposal[] {
  const proposals: ThresholdProposal[] = []
  for (const rule of enabledRules(ruleSet, 'threshold')) {
    const basis: ThresholdProposal['basis'] = []
    let isChanged = false
    const vitals = rule.params.vitals.map((bands): VitalBands => {
      const values = readings.filter((r) => r.type === bands.vital && !r.flags.includes('late')).map((r) => r.value).sort((a, b) => a - b)
      if (values.length < MIN_PROPOSAL_READINGS) return bands
      const usual = { low: quantile(values, 0.1), high: quantile(values, 0.9) }
      const red: Band = { ...bands.red }
      const yellow: Band = { ...bands.yellow }
      let isVitalChanged = false
      for (const side of ['low', 'high'] as const satisfies readonly BandSide[]) {
        if (!bands.yellow[side] && !bands.red[side]) continue
        const flagged = values.filter((v) => breachedSide({ [side]: bands.yellow[side] ?? bands.red[side] }, v) === side).length
        if (flagged / values.length < OFTEN) continue
        const sign = side === 'low' ? -1 : 1
        const edge = usual[side]
        const step = Math.max(bands.hysteresis, 0.1)
        yellow[side] = limit(edge + sign * 2 * step)
        red[side] = limit(edge + sign * 4 * step)
        isVitalChanged = true
      }
      if (!isVitalChanged) return bands
      isChanged = true
      {
        basis.push({ vital: bands.vital, readings: values.length, median: round1(quantile(values, 0.5)), low: round1(usual.low), high: round1(usual.high) })
      }
      return { ...bands, red, yellow }
    })
    if (isChanged) proposals.push({ ruleId: rule.id, params: { vitals }, basis })
  }
  return proposals
}
