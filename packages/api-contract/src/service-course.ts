import { z } from 'zod'
import { PATIENT_CONDITIONS, SERVICE_STATES } from './constants.js'
import { storableText } from './input.js'

/**
 * The patient's course of service (issue 17): enrolment, the self-care plan,
 * the state with its history, ending the service.
 */

/** POST /api/admin/patients */
export const enrolBody = z
  .object({
    nationalId: z.string().max(20).describe('11 digits: fødselsnummer or D-number'),
    displayName: storableText(200, { trim: true, min: 1 }),
    birthDate: z.iso.date().optional(),
    contactPhone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ]{5,20}$/, 'a phone number: digits, spaces, a leading +')
      .optional(),
    conditions: z.array(z.enum(PATIENT_CONDITIONS)).max(PATIENT_CONDITIONS.length).default([]),
    /** The start-up period (oppstart), 2–4 weeks. */
    startupDays: z.int().min(14).max(28).default(14),
  })
  .strict()
export type EnrolBody = z.input<typeof enrolBody>
export const enrolledSchema = z.object({ id: z.string() })

export const serviceStateChangeSchema = z.object({
  fromState: z.enum(SERVICE_STATES).nullable(),
  toState: z.enum(SERVICE_STATES),
  reason: z.string().nullable(),
  byName: z.string(),
  at: z.string(),
})

/** GET /api/patients/:id/service */
export const serviceCourseSchema = z.object({
  patientId: z.string(),
  state: z.enum(SERVICE_STATES),
  contactPhone: z.string().nullable(),
  selfCarePlan: z.string(),
  selfCarePlanUpdatedAt: z.string().nullable(),
  selfCarePlanUpdatedBy: z.string().nullable(),
  enrolledAt: z.string(),
  startupEndsAt: z.string().nullable(),
  /** The start-up period has ended by the platform clock: thresholds can be proposed from it. */
  isStartupOver: z.boolean(),
  endedAt: z.string().nullable(),
  canChange: z.boolean(),
  history: z.array(serviceStateChangeSchema),
})
export type ServiceCourse = z.infer<typeof serviceCourseSchema>

/** PUT /api/patients/:id/self-care-plan */
export const selfCarePlanBody = z.object({ text: storableText(4000, { trim: true }) }).strict()

/** POST /api/patients/:id/service/end */
export const endServiceBody = z.object({ reason: storableText(500, { trim: true, min: 1 }) }).strict()
export const endedServiceSchema = z.object({
  revokedGatewayIds: z.array(z.string()),
  resolvedAlerts: z.number().int(),
})

/** One alert a replay raised (the what-if), or one the rules raised. */
export const whatIfAlertSchema = z.object({
  alertKey: z.string(),
  severity: z.enum(['red', 'yellow']),
  count: z.number().int(),
  firstTriggeredAt: z.string(),
})
/** GET /api/patients/:id/threshold-proposals */
export const thresholdProposalsSchema = z.object({
  patientId: z.string(),
  startupFrom: z.string(),
  startupTo: z.string(),
  isStartupOver: z.boolean(),
  /** The alerts the rules raised over the start-up period (reading rules). */
  raised: z.array(whatIfAlertSchema),
  /** The current rules replayed over the start-up readings: the same alerts as `raised`, unless a rule changed meanwhile. */
  current: z.array(whatIfAlertSchema),
  proposals: z.array(
    z.object({
      ruleId: z.string(),
      /** The params to store as the rule's override (PUT /api/patients/:id/rules/:ruleId). */
      params: z.record(z.string(), z.unknown()),
      basis: z.array(z.object({ vital: z.string(), readings: z.number().int(), median: z.number(), low: z.number(), high: z.number() })),
      /** The alerts the rules with this proposal accepted would have raised over the start-up period. */
      proposed: z.array(whatIfAlertSchema),
    }),
  ),
})
export type ThresholdProposals = z.infer<typeof thresholdProposalsSchema>
