import { VITAL_TYPE_NAMES } from '@varde/domain'
import { z } from 'zod'
import { GATEWAY_STATES, PATIENT_CONDITIONS, SERVICE_STATES, SEVERITIES } from './constants.js'
import { isoInstant } from './input.js'

export const gatewaySummarySchema = z.object({
  id: z.string(),
  state: z.enum(GATEWAY_STATES),
  /** Percent, 0–100. */
  battery: z.number().nullable(),
  lastSeenAt: z.string().nullable(),
})
export type Gateway = z.infer<typeof gatewaySummarySchema>

export const latestValueSchema = z.object({
  value: z.number(),
  unit: z.string(),
  measuredAt: z.string(),
  /** Its colour under the patient's threshold rules (issue 20, the list's dense rows): null in range or no rule; absent when not judged (a live event's value). */
  severity: z.enum(SEVERITIES).nullable().optional(),
})
export type LatestValue = z.infer<typeof latestValueSchema>

/** GET /api/patients (items) and GET /api/patients/:id */
export const patientSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  /** yyyy-mm-dd; for age and search by birth date in the list (issue 20); absent or null when unknown. */
  birthDate: z.string().nullable().optional(),
  conditions: z.array(z.enum(PATIENT_CONDITIONS)),
  serviceState: z.enum(SERVICE_STATES),
  gateway: gatewaySummarySchema.nullable(),
  lastMeasurementAt: z.string().nullable(),
  /** Keyed by vital type; a server may send types this portal does not know yet. */
  latest: z.record(z.string(), latestValueSchema),
  openAlerts: z.object({
    red: z.number(),
    yellow: z.number(),
    /** Of those, not yet acknowledged by anyone: the list's "needs attention" (issue 20); absent from older servers. */
    unacknowledged: z.number().int().optional(),
  }),
  /**
   * The worst unresolved alert, the lead of the patient's worst open episode (issue 20, the list's dense rows):
   * red before yellow, not yet acknowledged before acknowledged, then the longest-standing. Null when none; absent from older servers.
   */
  worstOpen: z
    .object({
      severity: z.enum(SEVERITIES),
      status: z.enum(['open', 'acknowledged']),
      /** `threshold:spo2` … */
      rule: z.string(),
      summaries: z.object({ nb: z.string(), en: z.string() }),
      since: z.string(),
    })
    .nullable()
    .optional(),
  /** The last time someone on the care team acted on the patient's alerts (acknowledged, assigned, noted, resolved); null: never. */
  lastContactAt: z.string().nullable().optional(),
  /** Until when the caller reads this patient by emergency access (break the glass, issue 19); absent or null under a care relationship. */
  emergencyAccessUntil: z.string().nullable().optional(),
  /** Measurements done ÷ planned by the measuring plan, last 7 and 30 days (issue 17); absent when not computed. */
  adherence: z
    .object({
      days7: z.object({ done: z.number().int(), planned: z.number().int() }),
      days30: z.object({ done: z.number().int(), planned: z.number().int() }),
    })
    .optional(),
})
export type Patient = z.infer<typeof patientSchema>

export const patientListSchema = z.object({ items: z.array(patientSchema) })

export const measurementSchema = z.object({
  id: z.string(),
  type: z.string(),
  value: z.number(),
  unit: z.string(),
  measuredAt: z.string(),
  /** READING_FLAGS, or others a newer server knows. */
  flags: z.array(z.string()),
})
export type Measurement = z.infer<typeof measurementSchema>

const vitalTypeName = z.enum(VITAL_TYPE_NAMES)

/** GET /api/patients/:id/measurements?from&to&type…&limit */
export const measurementQuerySchema = z.object({
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  type: z.union([vitalTypeName, z.array(vitalTypeName)]).optional(),
  limit: z.coerce.number().int().min(1).max(20_000).default(10_000),
})
export const measurementListSchema = z.object({ items: z.array(measurementSchema) })

/** GET /api/patients/:id/trends?vital&from&to (issue 21): at most ~1,000 points for any range, raw or from the rollups. */
export const trendQuerySchema = z.object({
  vital: vitalTypeName,
  from: isoInstant,
  to: isoInstant,
}).refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['to'] })

export const trendPointSchema = z.object({
  /** The bucket's start, or the reading's time when `resolution` is `raw`. */
  at: z.string(),
  n: z.number().int(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  /** Raw readings only, and only when there are some (late, clock-adjusted …). */
  flags: z.array(z.string()).optional(),
})
export const trendSchema = z.object({
  vital: z.string(),
  /** `raw`: each reading; else the bucket's width in seconds. */
  resolution: z.union([z.literal('raw'), z.number().int()]),
  /** The range covered: the asked one widened to whole buckets. */
  from: z.string(),
  to: z.string(),
  points: z.array(trendPointSchema),
  /**
   * The range's readings by value, ascending (docs/decisions/0046): the portal
   * counts them into normal / yellow / red, low and high, under the bands it
   * draws (`countBands` of @varde/domain). Aggregated: values on the vital's grid.
   */
  bins: z.array(z.object({ value: z.number(), n: z.number().int() })).optional(),
})
export type Trend = z.infer<typeof trendSchema>
export type TrendPoint = z.infer<typeof trendPointSchema>
