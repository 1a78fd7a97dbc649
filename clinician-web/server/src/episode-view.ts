import type { Episode as EpisodeView, EpisodeValue as EpisodeValueView } from '@varde/api-contract'
import type { AlertRecord, EpisodeSnooze, ExtremeReading, ExtremeSpan } from '@varde/db'
import {
  episodeValueOf, groupEpisodes, severityByThresholds, RULE_KINDS, VITAL_TYPE_NAMES, type Episode, type EpisodeAlertInput, type EpisodeValue, type RuleKind,
} from '@varde/domain'
import { z } from 'zod'
import { toAlertView, type Language } from './alert-view.js'

/**
 * The caller's unresolved alerts grouped into episodes (@varde/domain
 * episodes.ts, ADR 0027) and shown as @varde/api-contract episodes.ts has
 * them. Computed on each read: the alerts are the record.
 */

/** The part of a stored finding an episode's course needs; whatever else is in it is ignored. */
const findingSchema = z.object({
  ruleKind: z.string().optional(),
  severity: z.enum(['red', 'yellow']),
  triggeredAt: z.coerce.date(),
  readings: z.array(z.object({ type: z.enum(VITAL_TYPE_NAMES), value: z.number(), unit: z.string() }).loose()),
  thresholds: z.unknown().optional(),
  measures: z.record(z.string(), z.unknown()).optional(),
}).loose()

interface Valued extends EpisodeValue { unit: string }

/** The finding's value with its side (the breaching component of a blood pressure, below or above its limit). */
function valueOf(stored: unknown): Valued | null {
  const f = findingSchema.safeParse(stored)
  return f.success ? episodeValueOf(f.data) : null
}

/**
 * Where to look for an alert's extreme reading: between its opening and
 * latest findings, of the vital that breached, on the side it broke. Only
 * when readings lie between (more than two findings); null otherwise.
 */
export function extremeSpanOf(a: AlertRecord): Omit<ExtremeSpan, 'patientId'> | null {
  const first = valueOf(a.firstFinding)
  if (a.count <= 2 || !first?.side || !first.vital) return null
  return { key: a.id, type: first.vital, side: first.side, from: a.firstTriggeredAt, to: a.lastTriggeredAt }
}

/** The extreme reading as an episode value: its colour by the alert's own rule, the unit of its findings. */
function extremeValueOf(a: AlertRecord, x: ExtremeReading | undefined): Valued | null {
  const first = valueOf(a.firstFinding)
  if (!x || !first?.vital) return null
  const f = findingSchema.safeParse(a.firstFinding)
  const severity = f.success && f.data.ruleKind === 'threshold' ? severityByThresholds(f.data.thresholds, first.vital, x.value) ?? first.severity : a.severity
  return { value: x.value, unit: first.unit, at: x.measuredAt, severity, vital: first.vital, side: first.side ?? null }
}

function vitalOf(stored: unknown): EpisodeAlertInput['vital'] {
  const f = findingSchema.safeParse(stored)
  return f.success ? f.data.readings[0]?.type ?? null : null
}

const isRuleKind = (k: string): k is RuleKind => (RULE_KINDS as readonly string[]).includes(k)

export function toEpisodeInput(a: AlertRecord, extreme?: ExtremeReading): EpisodeAlertInput {
  return {
    id: a.id, patientId: a.patientId, ruleId: a.ruleId,
    // a kind this build does not know (a newer rules worker) is grouped as its own rule
    ruleKind: isRuleKind(a.ruleKind) ? a.ruleKind : 'news2',
    severity: a.severity, status: a.status, count: a.count, isConditionActive: a.isConditionActive,
    firstTriggeredAt: a.firstTriggeredAt, lastTriggeredAt: a.lastTriggeredAt,
    vital: vitalOf(a.firstFinding) ?? vitalOf(a.lastFinding),
    first: valueOf(a.firstFinding), last: valueOf(a.lastFinding), extreme: extremeValueOf(a, extreme),
  }
}

/** `extremes`: by alert id, the extreme reading between its findings (access alerts.listWithExtremes), where looked up. */
export function episodesOf(
  alerts: readonly AlertRecord[],
  options: { resolved?: boolean } = {},
  extremes: ReadonlyMap<string, ExtremeReading> = new Map(),
): { episode: Episode; alerts: AlertRecord[]; extremes: ReadonlyMap<string, ExtremeReading> }[] {
  const byId = new Map(alerts.map((a) => [a.id, a]))
  return groupEpisodes(alerts.map((a) => toEpisodeInput(a, extremes.get(a.id))), options).map((episode) => ({
    extremes,
    episode,
    alerts: episode.alertIds.map((id) => byId.get(id)).filter((a): a is AlertRecord => a !== undefined),
  }))
}

export function toEpisodeView(
  { episode: e, alerts, extremes = new Map() }: { episode: Episode; alerts: AlertRecord[]; extremes?: ReadonlyMap<string, ExtremeReading> },
  language: Language,
  snooze: EpisodeSnooze | null = null,
): EpisodeView {
  const units = new Map<number, string>()
  for (const a of alerts) {
    for (const v of [valueOf(a.firstFinding), valueOf(a.lastFinding), extremeValueOf(a, extremes.get(a.id))]) if (v) units.set(v.at.getTime(), v.unit)
  }
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
