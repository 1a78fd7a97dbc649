import type { VitalType } from '../vital-types.js'
import { NEWS2_PARAMETERS } from './news2.js'
import { enabledRules, type RuleSet } from './rule-set.js'

const DAY_MS = 24 * 3600_000

/**
 * How far back, per vital, the patient's enabled reading rules look from a
 * new reading: weight gain over its calendar days, a baseline over its days,
 * NEWS2 over its window of observations. A vital no rule looks back on needs
 * no history (thresholds judge the reading itself, with the open alert's
 * state for hysteresis). Lets the caller load only what the rules read.
 */
export function historyNeeds(ruleSet: RuleSet): Partial<Record<VitalType, number>> {
  const needs: Partial<Record<VitalType, number>> = {}
  const need = (type: VitalType, ms: number) => {
    needs[type] = Math.max(needs[type] ?? 0, ms)
  }
  // calendar days in the patient's zone: one day more covers "3 days ago" at any time of day
  for (const rule of enabledRules(ruleSet, 'weight-gain')) need('body-weight', (rule.params.windowDays + 1) * DAY_MS)
  for (const rule of enabledRules(ruleSet, 'baseline-deviation')) need(rule.params.vital, (rule.params.windowDays + 1) * DAY_MS)
  for (const rule of enabledRules(ruleSet, 'news2')) {
    for (const type of NEWS2_PARAMETERS) need(type, rule.params.windowMinutes * 60_000)
  }
  return needs
}
