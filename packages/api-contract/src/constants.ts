import { CONDITION_IDS, RULE_FAMILY, type ConditionId } from '@varde/domain'

/**
 * The API's words for states and roles, each listed once: the server's
 * schemas and the portal's options and translations come from these. Plain
 * lists, no schema (the domain's from its rule-names.ts): the portal takes
 * its options from here and ships no zod for them (vite.config.ts treeshake).
 */

/** Who logs in: @varde/domain's roles (migrations 0001 and 0010). */
export { ROLES, type Role } from '@varde/domain'

/** The roles a tenant's administrator gives (issue 17): the municipality's staff; an outside GP's and a patient's logins come otherwise. */
export const STAFF_ROLES = ['nurse', 'clinician', 'admin', 'privacy-officer'] as const
export type StaffRole = (typeof STAFF_ROLES)[number]
/** The care relations of the municipality's own staff (packages/db MUNICIPAL_RELATIONS). */
export const STAFF_RELATIONS = ['home-care', 'response-centre'] as const

/** A patient's conditions: @varde/domain's condition profiles but the general one, which every patient has. */
export const PATIENT_CONDITIONS = CONDITION_IDS.filter(
  (c): c is Exclude<ConditionId, 'general'> => c !== 'general',
)
export type Condition = (typeof PATIENT_CONDITIONS)[number]

export const SERVICE_STATES = ['referred', 'active', 'paused', 'ended'] as const
export type ServiceState = (typeof SERVICE_STATES)[number]

export const GATEWAY_STATES = ['online', 'offline', 'unknown'] as const
export type GatewayState = (typeof GATEWAY_STATES)[number]

export const SEVERITIES = ['red', 'yellow'] as const
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

/** What was done about an alert when it was resolved (packages/db alerts.ts stores the same list). */
export const ALERT_OUTCOMES = [
  'contacted-patient',
  'adjusted-plan',
  'contacted-gp',
  'no-action-needed',
  'false-alarm',
] as const
export type ResolveOutcome = (typeof ALERT_OUTCOMES)[number]
/** Outcomes the platform sets, never a nurse: ending the service resolves the patient's alerts (issue 17). */
export const SYSTEM_OUTCOMES = ['service-ended'] as const
export type AlertOutcome = ResolveOutcome | (typeof SYSTEM_OUTCOMES)[number]

/** Known reading flags (device-protocol.md "Time"); other strings may appear and are shown as they are. */
export const READING_FLAGS = [
  'late',
  'clock-adjusted',
  'time-from-receipt',
  'time-from-gatt',
] as const
export type ReadingFlag = (typeof READING_FLAGS)[number]

export type RuleFamily = (typeof RULE_FAMILY)[keyof typeof RULE_FAMILY]
/** @varde/domain's rule families (RULE_FAMILY's values), as a list. */
export const RULE_FAMILIES = [...new Set(Object.values(RULE_FAMILY))]
