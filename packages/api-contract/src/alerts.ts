import { z } from 'zod'
import { ALERT_OUTCOMES, ALERT_STATUSES, SEVERITIES, SYSTEM_OUTCOMES } from './constants.js'
import { storableText } from './input.js'

/**
 * An alert as the API and the live events show it: the contract's fields
 * (id, patientId, severity, status, rule, openedAt, summary) and what the
 * portal needs to explain and handle it. One shape for `GET /api/alerts`, the
 * actions' answers and the SSE `alert` event, so a client can replace one
 * with another by revision.
 */

const readingSchema = z.object({
  type: z.string(),
  value: z.number(),
  unit: z.string(),
  measuredAt: z.string(),
})
export type AlertReading = z.infer<typeof readingSchema>

export const alertStatusSchema = z.enum(ALERT_STATUSES)

export const alertSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  severity: z.enum(SEVERITIES),
  status: alertStatusSchema,
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
  /** Display names. */
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  assignedTo: z.string().nullable(),
  assignedToUserId: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  outcome: z.enum([...ALERT_OUTCOMES, ...SYSTEM_OUTCOMES]).nullable(),
  resolutionNote: z.string().nullable(),
  /** Set when a red alert went unacknowledged past the escalation time. */
  escalatedAt: z.string().nullable(),
  /** Bumped by every change: of two versions of an alert, keep the higher. */
  revision: z.number().int(),
})
export type Alert = z.infer<typeof alertSchema>

export const alertWithHistorySchema = alertSchema.extend({
  history: z.array(
    z.object({
      at: z.string(),
      kind: z.string(),
      /** A username, or the service that acted (`rules`, `escalation`). */
      actor: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
})
export type AlertWithHistory = z.infer<typeof alertWithHistorySchema>

/** GET /api/alerts: `status` may repeat; without it, the unresolved ones. */
export const alertQuerySchema = z.object({
  status: z.union([alertStatusSchema, z.array(alertStatusSchema)]).optional(),
  patientId: z.guid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
})
export const alertListSchema = z.object({ items: z.array(alertSchema) })

/** POST /api/alerts/:id/assign */
export const assignBody = z.object({ userId: z.guid().nullable() })
/** POST /api/alerts/:id/resolve */
export const resolveBody = z.object({
  outcome: z.enum(ALERT_OUTCOMES),
  note: storableText(2000, { trim: true }).optional(),
})
export type ResolveBody = z.infer<typeof resolveBody>
/** POST /api/alerts/:id/notes */
export const noteBody = z.object({ text: storableText(2000, { trim: true, min: 1 }) })
/** POST /api/alerts/:id/acknowledge: no fields; an empty object or no body. */
export const acknowledgeBody = z.object({}).optional()
