import type { VitalType } from '../vital-types.js'
import { groupEpisodes } from './episodes.js'
import type { ReplayedAlert } from './replay.js'
import type { Rule, RuleSet } from './rule-set.js'

/**
 * What a replay raised, as the inbox would have shown it (issue 20's
 * what-if): the replayed alerts (@varde/domain replayAlerts) and the episodes
 * they make (episodes.ts), the vital of each alert taken from its rule.
 */
export interface ReplaySummary {
  alerts: ReplayedAlert[]
  episodes: number
}

function vitalOfRule(rule: Rule | undefined): VitalType | null {
  if (!rule) return null
  switch (rule.kind) {
    case 'threshold':
      return rule.params.vitals[0]?.vital ?? null
    case 'baseline-deviation':
    case 'missed-measurement':
      return rule.params.vital
    case 'weight-gain':
      return 'body-weight'
    default:
      return null
  }
}

export function summarizeReplay(ruleSet: RuleSet, alerts: ReplayedAlert[], patientId: string): ReplaySummary {
  const rules = new Map(ruleSet.rules.map((r) => [r.id, r]))
  const episodes = groupEpisodes(alerts.map((a, i) => {
    const rule = rules.get(a.ruleId)
    return {
      id: `r${String(i).padStart(6, '0')}`, patientId, ruleId: a.ruleId, ruleKind: rule?.kind ?? 'news2', severity: a.severity,
      status: 'open' as const, count: a.count, isConditionActive: true, firstTriggeredAt: a.firstTriggeredAt,
      lastTriggeredAt: a.lastTriggeredAt, vital: vitalOfRule(rule), first: null, last: null,
    }
  }))
  return { alerts, episodes: episodes.length }
}
