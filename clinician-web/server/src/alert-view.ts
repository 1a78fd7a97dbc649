import { ALERT_OUTCOMES, type AlertRecord, type AlertWithHistory } from '@varde/db'
import { z } from 'zod'

/**
 * An alert as the API and the live events show it: the contract's fields
 * (id, patientId, severity, status, rule, openedAt, summary) and what the
 * portal needs to explain and handle it. One shape for `GET /api/alerts`, the
 * actions' answers and the SSE `alert` event, so a client can replace one
 * with another by revision.
 */

export type Language = 'nb' | 'en'

const readingSchema = z.object({ type: z.string(), value: z.number(), unit: z.string(), measuredAt: z.string() })

export const alertSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  severity: z.enum(['red', 'yellow']),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  /** The rule's id, e.g. `threshold:spo2`. */
  rule: z.string(),
  ruleKind: z.string(),
  ruleVersion: z.string(),
  openedAt: z.string(),
  updatedAt: z.string(),
  /** When the latest finding was (a reading's time, a missed deadline …). */
  lastTriggeredAt: z.string(),
  /** In the caller's language (Accept-Language; bokmål unless English is preferred). */
  summary: z.string(),
  summaries: z.object({ nb: z.string(), en: z.string() }),
  count: z.number().int(),
  /** False once the condition is over; the alert stays until a person resolves it. */
  isConditionActive: z.boolean(),
  /** The readings behind the latest finding. */
  readings: z.array(readingSchema),
  /** The rule's parameters that applied (limits, windows, hysteresis), as the rule has them. */
  thresholds: z.record(z.string(), z.unknown()),
  /** Numbers the rule computed: a weight gain, a baseline median, a score … */
  measures: z.record(z.string(), z.number()),
  /** Clinical source of the rule's defaults. */
  source: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  assignedTo: z.string().nullable(),
  assignedToUserId: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  outcome: z.enum(ALERT_OUTCOMES).nullable(),
  resolutionNote: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  /** Bumped by every change: keep the highest seen. */
  revision: z.number().int(),
})
export type AlertView = z.infer<typeof alertSchema>

export const alertWithHistorySchema = alertSchema.extend({
  history: z.array(z.object({
    at: z.string(),
    kind: z.string(),
    /** A username, or the service that acted (`rules`, `escalation`). */
    actor: z.string(),
    details: z.record(z.string(), z.unknown()),
  })),
})
export type AlertWithHistoryView = z.infer<typeof alertWithHistorySchema>

/** The part of a stored finding (`AlertFinding` as JSON) the view shows; whatever else is in it is ignored. */
const storedFindingSchema = z.object({
  thresholds: z.record(z.string(), z.unknown()).catch({}),
  measures: z.record(z.string(), z.number()).catch({}),
  readings: z.array(readingSchema.loose()).catch([]),
  source: z.string().nullable().catch(null),
})
const EMPTY_FINDING = { thresholds: {}, measures: {}, readings: [], source: null }

const iso = (d: Date | null): string | null => d?.toISOString() ?? null

export function toAlertView(a: AlertRecord, language: Language): AlertView {
  const parsed = storedFindingSchema.safeParse(a.lastFinding)
  const finding = parsed.success ? parsed.data : EMPTY_FINDING
  return {
    id: a.id, patientId: a.patientId, patientName: a.patientName, severity: a.severity, status: a.status,
    rule: a.ruleId, ruleKind: a.ruleKind, ruleVersion: a.ruleVersion,
    openedAt: a.openedAt.toISOString(), updatedAt: a.updatedAt.toISOString(), lastTriggeredAt: a.lastTriggeredAt.toISOString(),
    summary: a.summary[language], summaries: a.summary, count: a.count, isConditionActive: a.isConditionActive,
    // only what explains the alert: not the gateway, batch or device the reading came through
    readings: finding.readings.map((r) => ({ type: r.type, value: r.value, unit: r.unit, measuredAt: new Date(r.measuredAt).toISOString() })),
    thresholds: finding.thresholds, measures: finding.measures, source: finding.source,
    acknowledgedBy: a.acknowledgedBy?.displayName ?? null, acknowledgedAt: iso(a.acknowledgedAt),
    assignedTo: a.assignedTo?.displayName ?? null, assignedToUserId: a.assignedTo?.id ?? null,
    resolvedAt: iso(a.resolvedAt), resolvedBy: a.resolvedBy?.displayName ?? null, outcome: a.outcome,
    resolutionNote: a.resolutionNote, escalatedAt: iso(a.escalatedAt), revision: a.revision,
  }
}

export function toAlertWithHistoryView(a: AlertWithHistory, language: Language): AlertWithHistoryView {
  return {
    ...toAlertView(a, language),
    history: a.history.map((e) => ({ at: e.at.toISOString(), kind: e.kind, actor: e.actor, details: e.details })),
  }
}

/**
 * The language of texts for this caller, from Accept-Language: English when
 * the caller prefers it to Norwegian, bokmål otherwise (and by default).
 */
export function preferredLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'nb'
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index }
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const l of ranked) {
    if (l.primary === 'en') return 'en'
    if (l.primary === 'nb' || l.primary === 'no' || l.primary === 'nn') return 'nb'
  }
  return 'nb'
}
