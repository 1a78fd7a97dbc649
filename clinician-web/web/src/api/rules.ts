import type { Band, ConditionId, RuleKind, VitalBands } from '@varde/domain'
import { requestJson } from './http'

/** Who changed a rule: id, name and HPR number (health personnel register) when known. */
export interface ClinicianRef {
  id: string
  name: string | null
  hprNumber: string | null
}

/** One rule as it applies to the patient now (GET /api/patients/:id/rules). */
export interface PatientRule {
  /** Also the alert key, e.g. `threshold:spo2`. */
  id: string
  kind: RuleKind
  family: 'threshold' | 'trend' | 'aggregate' | 'missed-measurement' | 'device-health'
  /** `default:2026.1`, or `default:2026.1+override:3`. */
  version: string
  /** Complete, as in effect; the shape depends on `kind` (@varde/domain rule-set.ts). */
  params: Record<string, unknown>
  isEnabled: boolean
  source: string
  origin: 'default' | 'override'
  conditions: ConditionId[]
  overrideVersion: number | null
  setBy: ClinicianRef | null
  setAt: string | null
  reason: string | null
}

/** One stored change, as kept in the history. */
export interface RuleChange {
  ruleId: string
  version: number
  kind: RuleKind | null
  params: Record<string, unknown>
  isEnabled: boolean | null
  setBy: ClinicianRef
  setAt: string
  reason: string | null
}

export interface PatientRules {
  patientId: string
  timeZone: string
  conditions: ConditionId[]
  /** The caller may change rules (a nurse or clinician on the care team). */
  canChange: boolean
  rules: PatientRule[]
  /** Newest first. */
  history: RuleChange[]
}

export type { Band, VitalBands }

/** GET /api/patients/:id/rules */
export function getPatientRules(patientId: string, signal?: AbortSignal): Promise<PatientRules> {
  return requestJson<PatientRules>(
    'GET',
    `/api/patients/${encodeURIComponent(patientId)}/rules`,
    signal ? { signal } : {},
  )
}

export interface RuleChangeRequest {
  params?: Record<string, unknown>
  isEnabled?: boolean
  reason?: string
}

/** PUT /api/patients/:id/rules/:ruleId → the rule as it now applies (400 with the reason when invalid). */
export function changePatientRule(
  patientId: string,
  ruleId: string,
  change: RuleChangeRequest,
): Promise<PatientRule> {
  return requestJson<PatientRule>(
    'PUT',
    `/api/patients/${encodeURIComponent(patientId)}/rules/${encodeURIComponent(ruleId)}`,
    { body: change },
  )
}
