import type { Condition, PatientRule, PatientRules, RuleChangeRequest, TenantWhatIf, WhatIf } from '@varde/api-contract'
import type { Band, VitalBands } from '@varde/domain'
import { requestJson } from './http'

export type {
  ClinicianRef,
  PatientRule,
  PatientRules,
  RuleChange,
  RuleChangeRequest,
  WhatIf,
  TenantWhatIf,
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

/** POST /api/patients/:id/rules/:ruleId/what-if → the last 30 days replayed with the rules as they are and with the change (nothing stored). */
export function whatIfPatientRule(
  patientId: string,
  ruleId: string,
  change: { params: Record<string, unknown> },
  signal?: AbortSignal,
): Promise<WhatIf> {
  return requestJson<WhatIf>(
    'POST',
    `/api/patients/${encodeURIComponent(patientId)}/rules/${encodeURIComponent(ruleId)}/what-if`,
    { body: change, ...(signal ? { signal } : {}) },
  )
}

/** POST /api/admin/what-if → a condition profile's rule as drafted, replayed over all its patients beside the rules as they are (nothing stored). */
export function whatIfTenant(
  change: { ruleId: string; params: Record<string, unknown>; condition: Condition; days?: number },
  signal?: AbortSignal,
): Promise<TenantWhatIf> {
  return requestJson<TenantWhatIf>('POST', '/api/admin/what-if', { body: change, ...(signal ? { signal } : {}) })
}
