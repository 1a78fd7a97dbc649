import type { Reading } from '../protocol/types.js'
import { breachedSide, type Band } from './band.js'
import { isHistoryOnly } from './evaluate-readings.js'
import { CONDITION_PROFILES } from './profiles.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { ConditionId, RuleSet } from './rule-set.js'
import { classifyReading } from './threshold.js'

/** Every red band of every default threshold rule, by vital: the union over all condition profiles. */
const ANY_PROFILE_RED: ReadonlyMap<string, readonly Band[]> = (() => {
  const bands = new Map<string, Band[]>()
  for (const profile of Object.values(CONDITION_PROFILES)) {
    for (const rule of profile.rules) {
      if (rule.kind !== 'threshold') continue
      for (const v of rule.params.vitals) bands.set(v.vital, [...(bands.get(v.vital) ?? []), v.red])
    }
  }
  return bands
})()

const defaultRuleSets = new Map<string, RuleSet>()
/** By the conditions array itself: ingest passes the same one (its cached gateway context) for every reading of a patient. */
const byArray = new WeakMap<readonly ConditionId[], RuleSet>()

/** The default rules of a combination of conditions (a handful of combinations: kept). */
function defaultRules(conditions: readonly ConditionId[]): RuleSet {
  const known = byArray.get(conditions)
  if (known) return known
  const key = [...conditions].sort().join(',')
  let ruleSet = defaultRuleSets.get(key)
  if (!ruleSet) {
    ruleSet = resolvePatientRules(conditions, [])
    defaultRuleSets.set(key, ruleSet)
  }
  byArray.set(conditions, ruleSet)
  return ruleSet
}

/**
 * Whether a reading could raise a red alert: new enough to page anyone, and
 * red under the default threshold rules of the patient's conditions (a COPD
 * patient's SpO2 of 89 is not; anyone else's is), or, when the conditions are
 * not known, under those of any profile. Ingest marks such readings so that
 * the rules judge their patient before patients whose readings are routine
 * (migration 0007). A priority, not a verdict: a clinician's own limits for
 * the patient are judged in the ordinary turn.
 */
export function isPossiblyRed(reading: Reading, now: Date, conditions?: readonly ConditionId[]): boolean {
  if (isHistoryOnly(reading, now)) return false
  if (conditions) return classifyReading(defaultRules(conditions), reading) === 'red'
  return (ANY_PROFILE_RED.get(reading.type) ?? []).some((band) => breachedSide(band, reading.value) !== null)
}
