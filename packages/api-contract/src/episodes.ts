import { z } from 'zod'
import { alertSchema } from './alerts.js'
import { SEVERITIES } from './constants.js'
import { isoInstant, storableText } from './input.js'

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

/** A snooze in force (issue 20, docs/decisions/0033): out of the inbox until `until` (platform clock), unless it turns redder than `severity`. */
export const episodeSnoozeSchema = z.object({
  until: z.string(),
  reason: z.string(),
  /** The colour when snoozed: a rise above it shows the episode again before its time. */
  severity: z.enum(SEVERITIES),
  byName: z.string(),
  at: z.string(),
})
export type EpisodeSnooze = z.infer<typeof episodeSnoozeSchema>

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
  /** The snooze in force, or null. With one, the episode is in the inbox only when it worsened since (`severity` above the snooze's). */
  snooze: episodeSnoozeSchema.nullable(),
})
export type Episode = z.infer<typeof episodeSchema>

/** GET /api/episodes */
export const episodeQuerySchema = z.object({
  patientId: z.guid().optional(),
  kind: z.enum(['clinical', 'technical']).optional(),
  /** `only`: the snoozed episodes (out of the inbox) instead of the inbox's. */
  snoozed: z.enum(['only']).optional(),
})
export const episodeListSchema = z.object({
  items: z.array(episodeSchema),
  /** The platform's time now (it may be moved, decision 0014): the portal times a snooze's end by it. */
  now: z.string(),
})

/** The longest snooze: past a shift and a weekend, an episode should be resolved or its limits changed instead. */
export const MAX_SNOOZE_HOURS = 72

/** POST /api/episodes/:id/snooze */
export const snoozeBody = z.object({
  until: isoInstant,
  reason: storableText(500, { trim: true, min: 1 }),
})
export type SnoozeBody = z.infer<typeof snoozeBody>
