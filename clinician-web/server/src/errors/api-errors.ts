import createError from '@fastify/error'
import type { AddMemberFailure, AlertActionFailure, CareWriteFailure, ProvisioningFailure } from '@varde/db'

/**
 * The API's coded errors, one registry (STYLE.md "Coded errors in one
 * registry", as Fastify's lib/errors.js with `@fastify/error`): each failure
 * has its code, its status and its message here and nowhere else. The code is
 * what clients act on (the portal translates it); the message is for a
 * person reading a raw answer. Several failures share a code (`not-found`)
 * and differ in message only, as they did before the registry.
 */
export class ApiFailure extends Error {}

const define = <C extends string, S extends number>(code: C, statusCode: S, message: string) =>
  createError(code, message, statusCode, ApiFailure as ErrorConstructor)

export const ERRORS = {
  unauthenticated: define('unauthenticated', 401, 'Logg inn for å fortsette.'),
  invalidCredentials: define('invalid-credentials', 401, 'Feil brukernavn eller passord.'),
  tooManyAttempts: define('too-many-attempts', 429, 'For mange mislykkede forsøk. Prøv igjen senere.'),
  crossOrigin: define('cross-origin', 403, 'Forespørselen kom fra en annen nettside og ble avvist.'),
  metricsTokenRequired: define('unauthenticated', 401, 'A metrics token is required (VARDE_METRICS_TOKEN).'),
  patientNotFound: define('not-found', 404, 'Fant ikke pasienten.'),
  alertNotFound: define('not-found', 404, 'Fant ikke varselet.'),
  pauseNotFound: define('not-found', 404, 'Fant ikke pausen.'),
  gatewayNotFound: define('not-found', 404, 'Fant ikke basestasjonen.'),
  careRoleRequired: define('forbidden', 403, 'Bare sykepleier eller lege i pasientens behandlingsteam kan endre dette.'),
  adminRequired: define('forbidden', 403, 'Bare administrator kan forvalte basestasjoner.'),
  alreadyAcknowledged: define('already-acknowledged', 409, 'Varselet er allerede kvittert ut.'),
  alreadyResolved: define('already-resolved', 409, 'Varselet er allerede avsluttet.'),
  invalidAssignee: define('invalid-assignee', 400, 'Brukeren finnes ikke eller gir ikke pasienten helsehjelp.'),
  versionConflict: define('version-conflict', 409, 'Regelen ble endret av noen andre i mellomtiden. Last inn siden og prøv igjen.'),
  pauseOverlaps: define('overlaps', 409, 'Pausen overlapper en annen pause for pasienten.'),
  invalidRange: define('invalid-range', 400, 'Slutten må komme etter starten.'),
  pauseAlreadyEnded: define('already-ended', 409, 'Pausen er allerede avsluttet.'),
  pauseNotStarted: define('not-started', 409, 'Pausen har ikke begynt ennå.'),
  /** The stored overrides of a patient no longer resolve: a defect of ours, said as such (message: the rule's detail). */
  invalidStoredRules: define('invalid-stored-rules', 500, '%s'),
  gatewayPatientNotFound: define('patient-not-found', 404, 'Fant ikke pasienten.'),
  patientHasGateway: define('patient-has-gateway', 409, 'Pasienten har allerede en aktiv basestasjon; trekk den tilbake først.'),
  invalidGatewayId: define('invalid-id', 400, 'Ugyldig id for basestasjon.'),
  gatewayIdTaken: define('id-taken', 409, 'Id-en er allerede i bruk.'),
  gatewayRevoked: define('revoked', 409, 'Basestasjonen er trukket tilbake.'),
  // the care team (issue 18)
  teamManagerRequired: define('forbidden', 403, 'Bare sykepleier, lege eller administrator i kommunen kan endre behandlingsteamet.'),
  memberNotFound: define('not-found', 404, 'Fant ikke et aktivt forhold med denne id-en i pasientens behandlingsteam.'),
  alreadyMember: define('already-member', 409, 'Brukeren har allerede et aktivt forhold til pasienten.'),
  unknownTeamUser: define('unknown-user', 400, 'Fant ikke brukeren.'),
  unknownRecipient: define('unknown-recipient', 400, 'Fant ikke mottakeren.'),
  objectionNotFound: define('not-found', 404, 'Fant ingen gjeldende reservasjon med denne id-en.'),
  invalidObjectionTarget: define('invalid-objection-target', 400, 'Reservasjon mot én mottaker gjelder en mottaker utenfor det kommunale teamet.'),
  // FHIR (answered as OperationOutcome, fhir/operation-outcome.ts)
  fhirLoginRequired: define('unauthenticated', 401, 'Authentication required (session cookie or Bearer token)'),
  fhirParameterRequired: define('required', 400, '%s'),
  fhirNotSupported: define('not-supported', 400, '%s'),
  fhirNoEndpoint: define('not-supported', 404, 'No such FHIR endpoint (see /fhir/metadata)'),
  fhirNoCareRelationship: define('forbidden', 403, 'No care relationship to this patient'),
  fhirResourceNotFound: define('not-found', 404, '%s not found or not accessible'),
} as const

type ErrorConstructorOf = (typeof ERRORS)[keyof typeof ERRORS]

/** The database's failure codes (packages/db result types), each to its API error. */
export const ALERT_FAILURES: Record<AlertActionFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.alertNotFound,
  'already-acknowledged': ERRORS.alreadyAcknowledged,
  'already-resolved': ERRORS.alreadyResolved,
  'invalid-assignee': ERRORS.invalidAssignee,
}
export const CARE_WRITE_FAILURES: Record<CareWriteFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.patientNotFound,
  forbidden: ERRORS.careRoleRequired,
  'version-conflict': ERRORS.versionConflict,
  overlaps: ERRORS.pauseOverlaps,
  'invalid-range': ERRORS.invalidRange,
  'already-ended': ERRORS.pauseAlreadyEnded,
  'not-started': ERRORS.pauseNotStarted,
}
export const CARE_TEAM_FAILURES: Record<AddMemberFailure, ErrorConstructorOf> = {
  'already-member': ERRORS.alreadyMember,
  'unknown-user': ERRORS.unknownTeamUser,
  'unknown-recipient': ERRORS.unknownRecipient,
  'not-found': ERRORS.patientNotFound,
}
export const PROVISIONING_FAILURES: Record<ProvisioningFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.gatewayNotFound,
  'patient-not-found': ERRORS.gatewayPatientNotFound,
  'patient-has-gateway': ERRORS.patientHasGateway,
  'invalid-id': ERRORS.invalidGatewayId,
  'id-taken': ERRORS.gatewayIdTaken,
  revoked: ERRORS.gatewayRevoked,
}

/** Codes for Fastify's own refusals, which carry a status only. */
const STATUS_CODES: Record<number, string> = {
  400: 'invalid-request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed',
  406: 'not-acceptable', 413: 'payload-too-large', 414: 'uri-too-long', 415: 'unsupported-media-type', 429: 'too-many-requests',
}
export const codeForStatus = (status: number): string => STATUS_CODES[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request')

/** An error of ours, with its code and status. */
export const isApiFailure = (error: unknown): error is ApiFailure & { code: string; statusCode: number } => error instanceof ApiFailure

/** The FHIR issue type (R4 IssueType) of an API code, for an OperationOutcome. */
const FHIR_ISSUES: Record<string, string> = {
  'not-found': 'not-found', forbidden: 'forbidden', unauthenticated: 'login', required: 'required',
  'not-supported': 'not-supported', 'too-many-requests': 'throttled',
}
export const fhirIssueFor = (code: string): string => FHIR_ISSUES[code] ?? 'invalid'

/**
 * The code an answer carries. @fastify/error upper-cases the code it is given
 * (Fastify's own read FST_ERR_…); the API's codes are lower kebab-case, as the
 * portal and the device protocol spell them, so every code above is written
 * in lower case and read back so.
 */
export const apiCodeOf = (error: ApiFailure & { code: string }): string => error.code.toLowerCase()

/** The JSON API's answer to one of our errors: `{error: {code, message}}` (input-schemas.ts errorBody). */
export const errorAnswer = (error: ApiFailure & { code: string }) => ({ error: { code: apiCodeOf(error), message: error.message } })
