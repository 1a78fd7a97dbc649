import { loadAdherenceFacts, loadRuleOverrides, loadServicePauses, platformNow, type PatientSummary, type Queryable } from '@varde/db'
import { adherence, classifyReading, resolvePatientRules, RuleError, type Severity, type VitalType } from '@varde/domain'

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
 * resolved per patient serves both, in four statements for the whole list.
 * Adherence is done ÷ planned by the measuring plan, last 7 and 30 days by
 * the platform clock; a colour is the threshold rules' verdict on the value
 * (@varde/domain classifyReading, the same rules that raise the alerts). A
 * patient whose stored rules no longer resolve gets neither rather than
 * failing the list.
 */
export async function rowFactsOf(db: Queryable, patients: readonly PatientSummary[]): Promise<Map<string, RowFacts>> {
  const ids = patients.map((p) => p.id)
  const out = new Map<string, RowFacts>()
  if (ids.length === 0) return out
  const [overrides, pauses, facts, now] = await Promise.all([
    loadRuleOverrides(db, ids), loadServicePauses(db, ids), loadAdherenceFacts(db, ids, 30), platformNow(db),
  ])
  for (const p of patients) {
    let ruleSet
    try {
      ruleSet = resolvePatientRules(p.conditions, overrides.get(p.id) ?? [])
    } catch (error) {
      if (error instanceof RuleError) continue
      throw error
    }
    const colours: Record<string, Severity | null> = {}
    for (const [type, v] of Object.entries(p.latest)) colours[type] = classifyReading(ruleSet, { type: type as VitalType, value: v.value })
    const f = facts.get(p.id)
    if (!f) {
      out.set(p.id, { colours })
      continue
    }
    const input = { ruleSet, measuredAt: f.measuredAt as Partial<Record<VitalType, Date[]>>, pauses: pauses.get(p.id) ?? [], serviceStartedAt: f.startedAt, now }
    const d7 = adherence({ ...input, days: 7 })
    const d30 = adherence({ ...input, days: 30 })
    out.set(p.id, { colours, adherence: { days7: { done: d7.done, planned: d7.planned }, days30: { done: d30.done, planned: d30.planned } } })
  }
  return out
}
