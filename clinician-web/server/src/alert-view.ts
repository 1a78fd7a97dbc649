import { alertSchema, type Alert, type AlertWithHistory as AlertWithHistoryView } from '@varde/api-contract'
import type { AlertRecord, AlertWithHistory } from '@varde/db'
import { z } from 'zod'

/**
 * A stored alert as the API and the live events show it (@varde/api-contract
 * alerts.ts): one shape for `GET /api/alerts`, the actions' answers and the
 * SSE `alert` event, so a client can replace one with another by revision.
 */

export type Language = 'nb' | 'en'

const readingSchema = alertSchema.shape.readings.element

/** The part of a stored finding (`AlertFinding` as JSON) the view shows; whatever else is in it is ignored. */
const storedFindingSchema = z.object({
  thresholds: z.record(z.string(), z.unknown()).catch({}),
  measures: z.record(z.string(), z.number()).catch({}),
  readings: z.array(readingSchema.loose()).catch([]),
  source: z.string().nullable().catch(null),
})
const EMPTY_FINDING = { thresholds: {}, measures: {}, readings: [], source: null }

const iso = (d: Date | null): string | null => d?.toISOString() ?? null

export function toAlertView(a: AlertRecord, language: Language): Alert {
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
