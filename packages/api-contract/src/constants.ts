import type { ConditionId, RULE_FAMILY } from '@varde/domain'

/**
 * The API's words for states and roles, each listed once: the server's
 * schemas and the portal's options and translations come from these. Plain
 * lists, no schema: the portal takes its options from here and ships no zod
 * for it (vite.config.ts treeshake).
 */

/** True only when the two types have the same members. */
type IsSame<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/** Who logs in: @varde/domain's roles (migrations 0001 and 0010). */
export { ROLES, type Role } from '@varde/domain'

/** A patient's conditions: @varde/domain's condition profiles but the general one, which every patient has. */
export const PATIENT_CONDITIONS = ['copd', 'heart-failure', 'diabetes', 'hypertension'] as const
export type Condition = (typeof PATIENT_CONDITIONS)[number]
const conditionsMatchDomain: IsSame<Condition, Exclude<ConditionId, 'general'>> = true

export const SERVICE_STATES = ['active', 'paused', 'ended'] as const
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
export const RULE_FAMILIES = [
  'threshold',
  'trend',
  'aggregate',
  'missed-measurement',
  'device-health',
] as const
const familiesMatchDomain: IsSame<(typeof RULE_FAMILIES)[number], RuleFamily> = true

// the checks above fail typecheck when @varde/domain's lists change without these
void conditionsMatchDomain
void familiesMatchDomain
