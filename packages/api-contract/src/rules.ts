import { CONDITION_IDS, RULE_KINDS } from '@varde/domain'
import { z } from 'zod'
import { PATIENT_CONDITIONS, RULE_FAMILIES } from './constants.js'
import { bigintIdParam, isoInstant, storableJsonObject, storableText, uuidParam } from './input.js'

/** Who changed a rule: id, name and HPR number (health personnel register) when known. */
export const clinicianRefSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  hprNumber: z.string().nullable(),
})
export type ClinicianRef = z.infer<typeof clinicianRefSchema>

const paramsSchema = z.record(z.string(), z.unknown())

/** One rule as it applies to the patient now. */
export const patientRuleSchema = z.object({
  id: z.string().describe('Also the alert key, e.g. `threshold:spo2`'),
  kind: z.enum(RULE_KINDS),
  family: z.enum(RULE_FAMILIES),
  version: z
    .string()
    .describe('`default:2026.1`, or `default:2026.1+override:3` once changed for this patient'),
  params: paramsSchema.describe(
    'The parameters in effect, complete (see @varde/domain rule-set.ts for each kind)',
  ),
  isEnabled: z.boolean(),
  source: z.string().describe('Clinical source of the defaults'),
  origin: z.enum(['default', 'override']),
  conditions: z
    .array(z.enum(CONDITION_IDS))
    .describe('The condition profiles the defaults come from'),
  overrideVersion: z.number().int().nullable(),
  setBy: clinicianRefSchema.nullable(),
  setAt: z.string().nullable(),
  reason: z.string().nullable(),
})
export type PatientRule = z.infer<typeof patientRuleSchema>

/** One stored change, as kept in the history. */
export const ruleChangeSchema = z.object({
  ruleId: z.string(),
  version: z.number().int(),
  kind: z.enum(RULE_KINDS).nullable(),
  params: paramsSchema,
  isEnabled: z.boolean().nullable(),
  setBy: clinicianRefSchema,
  setAt: z.string(),
  reason: z.string().nullable(),
})
export type RuleChange = z.infer<typeof ruleChangeSchema>

/** GET /api/patients/:id/rules */
export const patientRulesSchema = z.object({
  patientId: z.string(),
  timeZone: z.string(),
  conditions: z.array(z.enum(CONDITION_IDS)),
  canChange: z.boolean().describe('The caller may change rules (nurse or clinician)'),
  rules: z.array(patientRuleSchema),
  /** Newest first. */
  history: z.array(ruleChangeSchema),
})
export type PatientRules = z.infer<typeof patientRulesSchema>

/** PUT /api/patients/:id/rules/:ruleId */
export const ruleParams = z.object({ id: uuidParam, ruleId: storableText(100, { min: 1 }) })
export const ruleChangeBody = z
  .object({
    params: storableJsonObject.optional(),
    isEnabled: z.boolean().optional(),
    kind: z.enum(RULE_KINDS).optional(),
    reason: storableText(500, { trim: true }).optional(),
  })
  .refine(
    (b) => b.params !== undefined || b.isEnabled !== undefined || b.kind !== undefined,
    'give params, isEnabled or kind',
  )
export type RuleChangeRequest = z.input<typeof ruleChangeBody>

export const pauseSchema = z.object({
  id: z.string(),
  patientId: z.string(),
  startsAt: z.string(),
  endsAt: z.string().nullable().describe('null: paused until further notice'),
  reason: z.string().nullable(),
  createdBy: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  createdAt: z.string(),
  isCurrent: z.boolean().describe('Paused now'),
})
export type Pause = z.infer<typeof pauseSchema>
export const pauseListSchema = z.object({ items: z.array(pauseSchema) })

/** POST /api/patients/:id/pauses */
export const pauseStartBody = z
  .object({
    startsAt: isoInstant.optional().describe('Default: now'),
    endsAt: isoInstant.nullable().optional().describe('Omitted or null: until further notice'),
    reason: storableText(500, { trim: true }).optional(),
  })
  .refine((b) => !b.startsAt || !b.endsAt || Date.parse(b.endsAt) > Date.parse(b.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  })

/** POST /api/patients/:id/pauses/:pauseId/end */
export const pauseParams = z.object({ id: uuidParam, pauseId: bigintIdParam })
export const pauseEndBody = z
  .object({ endsAt: isoInstant.optional().describe('Default: now') })
  .optional()

/** POST /api/patients/:id/rules/:ruleId/what-if: the change as PUT would take it; nothing is stored. */
export const whatIfBody = z
  .object({
    params: storableJsonObject.optional(),
    isEnabled: z.boolean().optional(),
    kind: z.enum(RULE_KINDS).optional(),
  })
  .refine((b) => b.params !== undefined || b.isEnabled !== undefined || b.kind !== undefined, 'give params, isEnabled or kind')

const replayedAlertSchema = z.object({
  alertKey: z.string(),
  ruleId: z.string(),
  ruleVersion: z.string(),
  severity: z.enum(['red', 'yellow']),
  count: z.number().int(),
  firstTriggeredAt: z.string(),
  lastTriggeredAt: z.string(),
})
const replaySummarySchema = z.object({ alerts: z.array(replayedAlertSchema), episodes: z.number().int() })
const bandOrNone = z.enum(['red', 'yellow']).nullable()
/** A reading whose band differs between the two replays (null: it did not alert). */
const readingChangeSchema = z.object({
  measurementId: z.string(),
  type: z.string(),
  value: z.number(),
  unit: z.string(),
  measuredAt: z.string(),
  before: bandOrNone,
  after: bandOrNone,
})
/** How many (exact) and the newest of them (at most 50; `count` minus their number are "more"). */
const readingChangeListSchema = z.object({ count: z.number().int(), readings: z.array(readingChangeSchema) })
export const whatIfSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Stored readings replayed (the period and the 14 days before it that the rules look back on). */
  readings: z.number().int(),
  /** Time the two replays took on the server. */
  elapsedMs: z.number(),
  /** What the rules did raise in the period (reading rules). */
  raised: z.array(z.object({ alertKey: z.string(), severity: z.enum(['red', 'yellow']), firstTriggeredAt: z.string(), count: z.number().int(), ruleVersion: z.string() })),
  /** The rules as they are, replayed. */
  current: replaySummarySchema,
  /** With the change, replayed. */
  proposed: replaySummarySchema,
  /** The readings the change makes alert, pass, or alert in another band (yellow ↔ red), from the two replays' findings. */
  readingChanges: z.object({ nowAlert: readingChangeListSchema, nowPass: readingChangeListSchema, otherBand: readingChangeListSchema }),
})
export type WhatIf = z.infer<typeof whatIfSchema>

/** POST /api/admin/what-if: one rule set so for every patient of the tenant (a profile change), replayed; nothing is stored. */
export const tenantWhatIfBody = z
  .object({
    ruleId: z.string().min(1).max(100),
    params: storableJsonObject.optional(),
    isEnabled: z.boolean().optional(),
    kind: z.enum(RULE_KINDS).optional(),
    days: z.number().int().min(1).max(30).default(30),
    /** A condition profile's change: only the patients with this condition get it (all patients when absent). */
    condition: z.enum(PATIENT_CONDITIONS).optional(),
  })
  .refine((b) => b.params !== undefined || b.isEnabled !== undefined || b.kind !== undefined, 'give params, isEnabled or kind')

const tenantReplaySchema = z.object({
  alerts: z.number().int(),
  episodes: z.number().int(),
  /** Alerts a day over the period, all the tenant's patients replayed together. */
  alertsPerDay: z.number(),
  episodesPerDay: z.number(),
})
const patientReplaySchema = z.object({ alerts: z.number().int(), episodes: z.number().int() })
export const tenantWhatIfSchema = z.object({
  from: z.string(),
  to: z.string(),
  days: z.number().int(),
  /** The tenant's patients in follow-up. */
  patients: z.number().int(),
  /** Those replayed before the time bound; `isComplete` false when some were left. */
  patientsReplayed: z.number().int(),
  /** Of those, the ones the rule applies to (their profiles have it). */
  patientsWithRule: z.number().int(),
  isComplete: z.boolean(),
  readings: z.number().int(),
  elapsedMs: z.number(),
  current: tenantReplaySchema,
  proposed: tenantReplaySchema,
  /** The condition whose patients got the change (null: everyone the rule applies to). */
  condition: z.enum(PATIENT_CONDITIONS).nullable(),
  /** The time bound (ms): past it the answer has the patients done so far. */
  budgetMs: z.number(),
  /** The same sums per condition of the patients replayed (a patient with two conditions counts in both). */
  perCondition: z.array(z.object({
    condition: z.string(), patients: z.number().int(), current: tenantReplaySchema, proposed: tenantReplaySchema,
  })),
  /** The patients whose alerts the change moves most (at most 5, the largest change of alerts first; none unchanged). */
  mostAffected: z.array(z.object({
    patientId: z.string(), displayName: z.string(), conditions: z.array(z.string()), current: patientReplaySchema, proposed: patientReplaySchema,
  })),
})
export type TenantWhatIf = z.infer<typeof tenantWhatIfSchema>
