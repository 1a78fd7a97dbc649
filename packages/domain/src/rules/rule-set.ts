import { z } from 'zod'
import { VITAL_TYPE_NAMES } from '../vital-types.js'
import { bandSchema } from './band.js'
import type { ConditionId, RuleKind } from './rule-names.js'
import { parseLocalTime } from './zoned-time.js'

/**
 * The rules that apply to one patient: what a condition profile gives by
 * default, merged for multimorbidity, with a clinician's overrides on top.
 * Parameters have zod schemas because overrides arrive from outside (HTTP,
 * database); their types are derived from the schemas.
 */

// the names alone, apart from the schemas (rule-names.ts): the portal takes its lists from there without zod
export {
  CONDITION_IDS,
  RULE_FAMILY,
  RULE_KINDS,
  type ConditionId,
  type RuleKind,
} from './rule-names.js'
export const vitalTypeSchema = z.enum(VITAL_TYPE_NAMES)
export const severitySchema = z.enum(['red', 'yellow'])

export const vitalBandsSchema = z.object({
  vital: vitalTypeSchema,
  red: bandSchema,
  yellow: bandSchema,
  hysteresis: z.number().finite().nonnegative(),
})
export type VitalBands = z.infer<typeof vitalBandsSchema>

/** One alert key for one or more vitals read together (blood pressure: systolic and diastolic). */
export const thresholdParamsSchema = z.object({
  vitals: z
    .array(vitalBandsSchema)
    .min(1)
    .refine((v) => new Set(v.map((b) => b.vital)).size === v.length, 'each vital once'),
})
export type ThresholdParams = z.infer<typeof thresholdParamsSchema>

/** Gain of body weight over the last `windowDays` calendar days (patient's time zone). */
export const weightGainParamsSchema = z
  .object({
    yellowGainKg: z.number().finite().positive(),
    redGainKg: z.number().finite().positive().nullable(),
    windowDays: z.int().min(1).max(14),
    hysteresisKg: z.number().finite().nonnegative(),
  })
  .refine(
    (p) => p.redGainKg === null || p.redGainKg >= p.yellowGainKg,
    'redGainKg must be ≥ yellowGainKg',
  )
export type WeightGainParams = z.infer<typeof weightGainParamsSchema>

/** Deviation from the patient's own median over the last `windowDays` days. */
export const baselineDeviationParamsSchema = z
  .object({
    vital: vitalTypeSchema,
    direction: z.enum(['below', 'above']),
    yellowDelta: z.number().finite().positive(),
    redDelta: z.number().finite().positive().nullable(),
    windowDays: z.int().min(1).max(14),
    /** Fewer readings than this in the window: no baseline yet, no alert. */
    minReadings: z.int().min(1),
    hysteresis: z.number().finite().nonnegative(),
  })
  .refine(
    (p) => p.redDelta === null || p.redDelta >= p.yellowDelta,
    'redDelta must be ≥ yellowDelta',
  )
export type BaselineDeviationParams = z.infer<typeof baselineDeviationParamsSchema>

export const news2ParamsSchema = z
  .object({
    /** NEWS2 SpO2 scale 2 is for a prescribed 88–92 % target (hypercapnic respiratory failure). */
    spo2Scale: z.union([z.literal(1), z.literal(2)]),
    /** Home oxygen: NEWS2 adds 2 points, and scale 2 scores high saturations on oxygen. */
    isOnSupplementalOxygen: z.boolean(),
    yellowScore: z.int().min(1).max(20),
    redScore: z.int().min(1).max(20),
    /** Readings this close to the newest one count as one set of observations. */
    windowMinutes: z
      .int()
      .min(1)
      .max(24 * 60),
    /** Of the five parameters measured at home (RR, SpO2, systolic BP, pulse, temperature). */
    minParameters: z.int().min(1).max(5),
    /** Points below `yellowScore` the score must fall to count as over. */
    hysteresis: z.int().min(0),
  })
  .refine((p) => p.redScore >= p.yellowScore, 'redScore must be ≥ yellowScore')
export type News2Params = z.infer<typeof news2ParamsSchema>

const localTimeSchema = z
  .string()
  .refine((t) => parseLocalTime(t) !== null, 'must be HH:MM (24-hour)')

/** "Weight every morning by 10:00": a measurement of `vital` between `windowStart` and `deadline`, wall clock. */
export const missedMeasurementParamsSchema = z
  .object({
    vital: vitalTypeSchema,
    windowStart: localTimeSchema,
    deadline: localTimeSchema,
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    weekdays: z.array(z.int().min(1).max(7)).min(1),
    severity: severitySchema,
  })
  .refine((p) => p.windowStart < p.deadline, 'windowStart must be before deadline')
export type MissedMeasurementParams = z.infer<typeof missedMeasurementParamsSchema>

export const gatewayOfflineParamsSchema = z
  .object({
    yellowAfterHours: z.number().finite().positive(),
    redAfterHours: z.number().finite().positive().nullable(),
  })
  .refine(
    (p) => p.redAfterHours === null || p.redAfterHours >= p.yellowAfterHours,
    'redAfterHours must be ≥ yellowAfterHours',
  )
export type GatewayOfflineParams = z.infer<typeof gatewayOfflineParamsSchema>

export const lowBatteryParamsSchema = z.object({
  yellowAtOrBelowPercent: z.number().min(0).max(100),
  hysteresisPercent: z.number().min(0).max(100),
})
export type LowBatteryParams = z.infer<typeof lowBatteryParamsSchema>

export interface RuleParamsByKind {
  threshold: ThresholdParams
  'weight-gain': WeightGainParams
  'baseline-deviation': BaselineDeviationParams
  news2: News2Params
  'missed-measurement': MissedMeasurementParams
  'gateway-offline': GatewayOfflineParams
  'low-battery': LowBatteryParams
}

export const RULE_PARAMS_SCHEMAS: { readonly [K in RuleKind]: z.ZodType<RuleParamsByKind[K]> } = {
  threshold: thresholdParamsSchema,
  'weight-gain': weightGainParamsSchema,
  'baseline-deviation': baselineDeviationParamsSchema,
  news2: news2ParamsSchema,
  'missed-measurement': missedMeasurementParamsSchema,
  'gateway-offline': gatewayOfflineParamsSchema,
  'low-battery': lowBatteryParamsSchema,
}

export type RuleParams = RuleParamsByKind[RuleKind]

/** Who set an override: a clinician, by user id (and HPR number when known). */
export const clinicianRefSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  hprNumber: z.string().optional(),
})
export type ClinicianRef = z.infer<typeof clinicianRefSchema>

export type RuleOrigin =
  | { kind: 'default'; conditions: ConditionId[] }
  | {
      kind: 'override'
      /** The profiles whose defaults the override starts from (empty for a rule only the override creates). */
      conditions: ConditionId[]
      overrideVersion: number
      setBy: ClinicianRef
      setAt: Date
      reason: string | null
    }

export interface RuleOf<K extends RuleKind> {
  /** Also the alert key (one open alert per patient and key), e.g. `threshold:spo2`. */
  id: string
  kind: K
  /** `default:2026.1`, or `default:2026.1+override:3` once a clinician changed it. */
  version: string
  params: RuleParamsByKind[K]
  isEnabled: boolean
  /** The clinical source of the defaults, short, for people (shown with the alert). */
  source: string
  origin: RuleOrigin
}

export type Rule = { [K in RuleKind]: RuleOf<K> }[RuleKind]

export interface RuleSet {
  /** IANA zone of the patient's wall clock, for schedules and calendar days. */
  timeZone: string
  conditions: ConditionId[]
  rules: Rule[]
}

/** The enabled rules of one kind. */
export function enabledRules<K extends RuleKind>(ruleSet: RuleSet, kind: K): RuleOf<K>[] {
  return ruleSet.rules.filter((r): r is RuleOf<K> & Rule => r.kind === kind && r.isEnabled)
}

/** A stretch of time when the service is paused (*pause tjenesten*, e.g. a hospital stay); `until` null: still paused. */
export interface ServicePause {
  from: Date
  until: Date | null
}

/** True when [from, to] overlaps a pause. */
export function isPausedDuring(pauses: readonly ServicePause[], from: Date, to: Date): boolean {
  return pauses.some(
    (p) =>
      p.from.getTime() <= to.getTime() && (p.until === null || p.until.getTime() >= from.getTime()),
  )
}
