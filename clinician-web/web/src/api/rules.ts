import type { PatientRule, PatientRules, RuleChangeRequest } from '@varde/api-contract'
import type { Band, VitalBands } from '@varde/domain'
import { requestJson } from './http'

export type {
  ClinicianRef,
  PatientRule,
  PatientRules,
  RuleChange,
  RuleChangeRequest,
} from '@varde/api-contract'
export type { Band, VitalBands }

/** GET /api/patients/:id/rules */
export function getPatientRules(patientId: string, signal?: AbortSignal): Promise<PatientRules> {
  return requestJson<PatientRules>(
    'GET',
    `/api/patients/${encodeURIComponent(patientId)}/rules`,
    signal ? { signal } : {},
  )
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
