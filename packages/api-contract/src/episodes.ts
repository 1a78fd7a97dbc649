import { z } from 'zod'
import { alertSchema } from './alerts.js'
import { SEVERITIES } from './constants.js'

/**
 * Episodes (issue 20, ADR 0027): a patient's unresolved alerts about one
 * vital or one rule, shown as one card. Beside `GET /api/alerts`, which stays
 * as the contract has it; an episode is a grouping of those alerts, so every
 * SSE `alert` event is also a change of the episode that holds the alert.
 */

const episodeValueSchema = z.object({
  value: z.number(),
  unit: z.string(),
  at: z.string(),
  severity: z.enum(SEVERITIES),
})
export type EpisodeValue = z.infer<typeof episodeValueSchema>

export const episodeSchema = z.object({
  /** Its earliest alert's id. */
  id: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  /** `technical`: gateway offline, low battery, a missed measurement. */
  kind: z.enum(['clinical', 'technical']),
  /** `vital:spo2`, `rule:news2` … */
  topic: z.string(),
  vital: z.string().nullable(),
  severity: z.enum(SEVERITIES),
  /** `acknowledged` when none of its alerts is open; `resolved` (in an action's answer only) when all are resolved. */
  status: z.enum(['open', 'acknowledged', 'resolved']),
  isConditionActive: z.boolean(),
  firstTriggeredAt: z.string(),
  lastTriggeredAt: z.string(),
  first: episodeValueSchema.nullable(),
  /** The value of the most severe finding (the latest of those). */
  worst: episodeValueSchema.nullable(),
  latest: episodeValueSchema.nullable(),
  /** Readings out of range. */
  readingCount: z.number().int(),
  /** The alerts in it, earliest first: the rules and values that made it. */
  alerts: z.array(alertSchema),
})
export type Episode = z.infer<typeof episodeSchema>

/** GET /api/episodes */
export const episodeQuerySchema = z.object({
  patientId: z.guid().optional(),
  kind: z.enum(['clinical', 'technical']).optional(),
})
export const episodeListSchema = z.object({ items: z.array(episodeSchema) })
