import { RULE_ERROR_CODES } from '@varde/domain'

/**
 * Every code the API answers with in `{error: {code, message}}`. The server's
 * registry (clinician-web/server/src/errors/api-errors.ts) gives each its
 * status; the portal translates each (web/src/i18n, a test checks that every
 * code has a bokmål and an English text). The message beside the code is
 * English, for a person reading a raw answer; the portal does not show it,
 * except for the codes in DETAIL_CODES.
 */
export const API_ERROR_CODES = [
  // session
  'unauthenticated',
  'invalid-credentials',
  'too-many-attempts',
  'cross-origin',
  // HelseID login (issue 24): the callback sends the browser to /login?error=<code>
  'helseid-login-failed',
  'helseid-unavailable',
  'helseid-not-configured',
  'helseid-no-user',
  'security-level-too-low',
  'trust-framework-invalid',
  'reauthentication-required',
  // ID-porten login of patients (issue 25): the callback sends the browser to /login?error=<code>
  'idporten-login-failed',
  'idporten-unavailable',
  'idporten-not-configured',
  'idporten-no-patient',
  'idporten-level-too-low',
  'idporten-several-tenants',
  // access
  'not-found',
  'forbidden',
  // alerts
  'already-acknowledged',
  'already-resolved',
  'invalid-assignee',
  // episodes (issue 20): a snooze's end time already passed, or too far ahead
  'snooze-ended',
  'snooze-too-long',
  // rules and pauses
  'version-conflict',
  'overlaps',
  'invalid-range',
  'already-ended',
  'not-started',
  'invalid-stored-rules',
  ...RULE_ERROR_CODES,
  // gateways
  'patient-not-found',
  'patient-has-gateway',
  'invalid-id',
  'id-taken',
  'revoked',
  'device-paired-elsewhere',
  // users and roles (issue 17)
  'username-taken',
  'own-account',
  'not-a-carer',
  // the platform clock (docs/decisions/0014)
  'clock-fixed',
  // enrolment
  'invalid-national-id',
  'already-enrolled',
  // the course of service (issue 17)
  'service-ended',
  // the care team (issue 18)
  'already-member',
  'unknown-user',
  'unknown-recipient',
  'recipient-name-taken',
  'invalid-objection-target',
  // symptom questionnaires on /min-side (issue 25, ADR 0042)
  'invalid-questionnaire',
  'daily-already-answered',
  'answer-id-reused',
  // "Del med fastlege" (docs/decisions/0023)
  'no-gp',
  'relationship-ended',
  'patient-objects',
  // log control (issue 19)
  'wrong-password',
  // a person who is a user in several tenants picks one after a HelseID login (issue 24)
  'tenant-choice-expired',
  // the shift (issue 20, docs/decisions/0034)
  'not-a-nurse',
  'shift-ended',
  // saved views of the patient list (issue 20)
  'too-many-views',
  // FHIR
  'required',
  'not-supported',
  // FHIR for systems: the token endpoint's refusals (RFC 6749 §5.2, SMART Backend Services; docs/decisions/0038)
  'invalid-client',
  'invalid-grant',
  'invalid-scope',
  'unsupported-grant-type',
  // the framework's refusals, by status
  'invalid-request',
  'method-not-allowed',
  'not-acceptable',
  'payload-too-large',
  'uri-too-long',
  'unsupported-media-type',
  'too-many-requests',
  'internal-error',
] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

/**
 * Codes whose message says the particular reason (which limit of a rule,
 * which field of a body): the portal shows that detail as sent, since no
 * fixed text could.
 */
export const DETAIL_CODES: readonly ApiErrorCode[] = [...RULE_ERROR_CODES, 'invalid-request']
