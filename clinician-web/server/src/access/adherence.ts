import { loadAdherenceFacts, loadRuleOverrides, loadServicePauses, platformNow, type PatientSummary, type Queryable } from '@varde/db'
import { adherence, resolvePatientRules, RuleError, type VitalType } from '@varde/domain'

export interface Adherence {
  days7: { done: number; planned: number }
  days30: { done: number; planned: number }
}

/**
 * Adherence of patients the caller was allowed to see (issue 17): done ÷
 * planned by their measuring plan (@varde/domain adherence), last 7 and 30
 * days by the platform clock, in four statements for the whole list. A
 * patient whose stored rules no longer resolve gets none rather than failing
 * the list.
 */
export async function adherenceOf(db: Queryable, patients: readonly PatientSummary[]): Promise<Map<string, Adherence>> {
  const ids = patients.map((p) => p.id)
  const out = new Map<string, Adherence>()
  if (ids.length === 0) return out
  const [overrides, pauses, facts, now] = await Promise.all([
    loadRuleOverrides(db, ids), loadServicePauses(db, ids), loadAdherenceFacts(db, ids, 30), platformNow(db),
  ])
  for (const p of patients) {
    const f = facts.get(p.id)
    if (!f) continue
    let ruleSet
    try {
      ruleSet = resolvePatientRules(p.conditions, overrides.get(p.id) ?? [])
    } catch (error) {
      if (error instanceof RuleError) continue
      throw error
    }
    const input = { ruleSet, measuredAt: f.measuredAt as Partial<Record<VitalType, Date[]>>, pauses: pauses.get(p.id) ?? [], serviceStartedAt: f.startedAt, now }
    const d7 = adherence({ ...input, days: 7 })
    const d30 = adherence({ ...input, days: 30 })
    out.set(p.id, { days7: { done: d7.done, planned: d7.planned }, days30: { done: d30.done, planned: d30.planned } })
  }
  return out
}
