import { loadAdherenceDone, loadRuleOverrides, loadServicePauses, platformNow, type PatientSummary, type Queryable } from '@varde/db'
import { adherence, classifyReading, enabledRules, planOccurrences, resolvePatientRules, RuleError, type PlanOccurrence, type RuleSet, type Severity, type VitalType } from '@varde/domain'

export interface Adherence {
  days7: { done: number; planned: number }
  days30: { done: number; planned: number }
}

/** What the list's row shows beyond the stored summary, judged by the patient's own rules. */
export interface RowFacts {
  adherence?: Adherence
  /** The colour of each latest value under the patient's threshold rules (null: in range or no rule). */
  colours: Record<string, Severity | null>
}

/**
 * Adherence (issue 17) and the colour of each latest value (issue 20, the
 * list's dense rows) of patients the caller was allowed to see: one rule set
 * resolved per patient serves both, in a handful of statements for the whole
 * list. Adherence is done ÷ planned by the measuring plan, last 7 and 30 days
 * by the platform clock; a colour is the threshold rules' verdict on the value
 * (@varde/domain classifyReading, the same rules that raise the alerts). A
 * patient whose stored rules no longer resolve gets neither rather than
 * failing the list.
 *
 * The plan's occurrences are worked out once per distinct plan (most patients
 * share their condition's), and the database answers which of them each
 * patient has a reading in (loadAdherenceDone): the readings themselves never
 * leave it (docs/decisions/0043).
 */
export async function rowFactsOf(db: Queryable, patients: readonly PatientSummary[]): Promise<Map<string, RowFacts>> {
  const ids = patients.map((p) => p.id)
  const out = new Map<string, RowFacts>()
  if (ids.length === 0) return out
  const [overrides, pauses, now] = await Promise.all([loadRuleOverrides(db, ids), loadServicePauses(db, ids), platformNow(db)])
  const ruleSets = new Map<string, RuleSet>()
  for (const p of patients) {
    try {
      ruleSets.set(p.id, resolvePatientRules(p.conditions, overrides.get(p.id) ?? []))
    } catch (error) {
      if (!(error instanceof RuleError)) throw error
    }
  }
  // one list of occurrences per time zone, each once (by vital and instants), and each patient's plan as a list of them
  const plans = new Map<string, PlanOccurrence[]>()
  const zones = new Map<string, { occurrences: PlanOccurrence[]; index: Map<string, number> }>()
  const planOf = new Map<string, { zone: string; occurrences: PlanOccurrence[] }>()
  for (const [id, ruleSet] of ruleSets) {
    const signature = `${ruleSet.timeZone}|${JSON.stringify(enabledRules(ruleSet, 'missed-measurement').map((r) => r.params))}`
    let occurrences = plans.get(signature)
    if (!occurrences) {
      const zone = zones.get(ruleSet.timeZone) ?? { occurrences: [] as PlanOccurrence[], index: new Map<string, number>() }
      zones.set(ruleSet.timeZone, zone)
      occurrences = planOccurrences(ruleSet, now, 30)
      for (const o of occurrences) {
        const key = keyOf(o)
        if (!zone.index.has(key)) zone.index.set(key, zone.occurrences.push(o) - 1)
      }
      plans.set(signature, occurrences)
    }
    planOf.set(id, { zone: ruleSet.timeZone, occurrences })
  }
  const done = new Map<string, Map<string, { startedAt: Date; done: Set<number> }>>()
  await Promise.all([...zones].map(async ([zone, { occurrences }]) => {
    const zoneIds = ids.filter((id) => planOf.get(id)?.zone === zone)
    done.set(zone, await loadAdherenceDone(db, zoneIds, zone, occurrences))
  }))
  for (const p of patients) {
    const ruleSet = ruleSets.get(p.id)
    if (!ruleSet) continue
    const colours: Record<string, Severity | null> = {}
    for (const [type, v] of Object.entries(p.latest)) colours[type] = classifyReading(ruleSet, { type: type as VitalType, value: v.value })
    const plan = planOf.get(p.id)!
    const zone = zones.get(plan.zone)!
    const f = done.get(plan.zone)?.get(p.id)
    if (!f) {
      out.set(p.id, { colours })
      continue
    }
    const input = {
      ruleSet, occurrences: plan.occurrences, pauses: pauses.get(p.id) ?? [], serviceStartedAt: f.startedAt, now,
      done: (o: PlanOccurrence) => f.done.has(zone.index.get(keyOf(o)) ?? -1),
    }
    const d7 = adherence({ ...input, days: 7 })
    const d30 = adherence({ ...input, days: 30 })
    out.set(p.id, { colours, adherence: { days7: { done: d7.done, planned: d7.planned }, days30: { done: d30.done, planned: d30.planned } } })
  }
  return out
}

const keyOf = (o: PlanOccurrence) => `${o.vital}|${o.windowStart.getTime()}|${o.deadline.getTime()}`
