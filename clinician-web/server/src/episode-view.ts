import type { Episode as EpisodeView, EpisodeValue as EpisodeValueView } from '@varde/api-contract'
import type { AlertRecord, EpisodeSnooze } from '@varde/db'
import { groupEpisodes, RULE_KINDS, VITAL_TYPE_NAMES, type Episode, type EpisodeAlertInput, type EpisodeValue, type RuleKind } from '@varde/domain'
import { z } from 'zod'
import { toAlertView, type Language } from './alert-view.js'

/**
 * The caller's unresolved alerts grouped into episodes (@varde/domain
 * episodes.ts, ADR 0027) and shown as @varde/api-contract episodes.ts has
 * them. Computed on each read: the alerts are the record.
 */

/** The part of a stored finding an episode's course needs; whatever else is in it is ignored. */
const findingSchema = z.object({
  severity: z.enum(['red', 'yellow']),
  triggeredAt: z.coerce.date(),
  readings: z.array(z.object({ type: z.enum(VITAL_TYPE_NAMES), value: z.number(), unit: z.string() }).loose()),
}).loose()

interface Valued extends EpisodeValue { unit: string }

function valueOf(stored: unknown): Valued | null {
  const f = findingSchema.safeParse(stored)
  const r = f.success ? f.data.readings[0] : undefined
  return f.success && r ? { value: r.value, unit: r.unit, at: f.data.triggeredAt, severity: f.data.severity } : null
}

function vitalOf(stored: unknown): EpisodeAlertInput['vital'] {
  const f = findingSchema.safeParse(stored)
  return f.success ? f.data.readings[0]?.type ?? null : null
}

const isRuleKind = (k: string): k is RuleKind => (RULE_KINDS as readonly string[]).includes(k)

export function toEpisodeInput(a: AlertRecord): EpisodeAlertInput {
  return {
    id: a.id, patientId: a.patientId, ruleId: a.ruleId,
    // a kind this build does not know (a newer rules worker) is grouped as its own rule
    ruleKind: isRuleKind(a.ruleKind) ? a.ruleKind : 'news2',
    severity: a.severity, status: a.status, count: a.count, isConditionActive: a.isConditionActive,
    firstTriggeredAt: a.firstTriggeredAt, lastTriggeredAt: a.lastTriggeredAt,
    vital: vitalOf(a.firstFinding) ?? vitalOf(a.lastFinding),
    first: valueOf(a.firstFinding), last: valueOf(a.lastFinding),
  }
}

export function episodesOf(alerts: readonly AlertRecord[], options: { resolved?: boolean } = {}): { episode: Episode; alerts: AlertRecord[] }[] {
  const byId = new Map(alerts.map((a) => [a.id, a]))
  return groupEpisodes(alerts.map(toEpisodeInput), options).map((episode) => ({
    episode,
    alerts: episode.alertIds.map((id) => byId.get(id)).filter((a): a is AlertRecord => a !== undefined),
  }))
}

export function toEpisodeView({ episode: e, alerts }: { episode: Episode; alerts: AlertRecord[] }, language: Language, snooze: EpisodeSnooze | null = null): EpisodeView {
  const units = new Map<number, string>()
  for (const a of alerts) for (const v of [valueOf(a.firstFinding), valueOf(a.lastFinding)]) if (v) units.set(v.at.getTime(), v.unit)
  const value = (v: EpisodeValue | null): EpisodeValueView | null =>
    v && { value: v.value, unit: units.get(v.at.getTime()) ?? '', at: v.at.toISOString(), severity: v.severity }
  return {
    id: e.id, patientId: e.patientId, patientName: alerts[0]?.patientName ?? '', kind: e.kind, topic: e.topic, vital: e.vital,
    severity: e.severity, status: e.status, isConditionActive: e.isConditionActive,
    firstTriggeredAt: e.firstTriggeredAt.toISOString(), lastTriggeredAt: e.lastTriggeredAt.toISOString(),
    first: value(e.first), worst: value(e.worst), latest: value(e.latest), readingCount: e.readingCount,
    alerts: alerts.map((a) => toAlertView(a, language)),
    snooze: snooze && {
      until: snooze.until.toISOString(), reason: snooze.reason, severity: snooze.severity, byName: snooze.byName, at: snooze.at.toISOString(),
    },
  }
}
