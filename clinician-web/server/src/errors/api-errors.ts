import type { ApiErrorCode } from '@varde/api-contract'
import createError from '@fastify/error'
import type { AddMemberFailure, AssignFailure, AlertActionFailure, CareWriteFailure, ProvisioningFailure, ShareFailure, UserAdminFailure } from '@varde/db'

/**
 * The API's coded errors, one registry (STYLE.md "Coded errors in one
 * registry", as Fastify's lib/errors.js with `@fastify/error`): each failure
 * has its code, its status and its message here and nowhere else. The code,
 * one of the contract's API_ERROR_CODES, is what clients act on: the portal
 * says it in the reader's language (web/src/i18n). The message is English,
 * for a developer reading a raw answer. Several failures share a code
 * (`not-found`) and differ in message only.
 */
export class ApiFailure extends Error {}

const define = <C extends ApiErrorCode, S extends number>(code: C, statusCode: S, message: string) =>
  createError(code, message, statusCode, ApiFailure as ErrorConstructor)

export const ERRORS = {
  unauthenticated: define('unauthenticated', 401, 'Log in to continue.'),
  invalidCredentials: define('invalid-credentials', 401, 'Wrong username or password.'),
  tooManyAttempts: define('too-many-attempts', 429, 'Too many failed attempts; try again later.'),
  crossOrigin: define('cross-origin', 403, 'The request came from another site and was refused.'),
  /** Emergency access and the like: the user's last login is too old (plugins/recent-auth.ts says how to log in again). */
  reauthenticationRequired: define('reauthentication-required', 401, 'Log in again: this needs a login no older than %s seconds.'),
  metricsTokenRequired: define('unauthenticated', 401, 'A metrics token is required (VARDE_METRICS_TOKEN).'),
  patientNotFound: define('not-found', 404, 'No such patient.'),
  alertNotFound: define('not-found', 404, 'No such alert.'),
  episodeNotFound: define('not-found', 404, 'No such episode (or none of its alerts is open any more).'),
  pauseNotFound: define('not-found', 404, 'No such pause.'),
  gatewayNotFound: define('not-found', 404, 'No such gateway.'),
  careRoleRequired: define('forbidden', 403, 'Only a nurse or clinician on the patient\'s care team may change this.'),
  adminRequired: define('forbidden', 403, 'Only an administrator may manage gateways.'),
  // log control (issue 19)
  emergencyRoleRequired: define('forbidden', 403, 'Only a nurse or clinician may open emergency access.'),
  wrongPassword: define('wrong-password', 403, 'The password is not right.'),
  tenantChoiceExpired: define('tenant-choice-expired', 403, 'No tenant choice under way in this browser, or not that tenant: log in with HelseID again.'),
  privacyOfficerRequired: define('forbidden', 403, 'Only the privacy officer may read the access log.'),
  auditEntryNotFound: define('not-found', 404, 'No such access-log entry.'),
  alreadyAcknowledged: define('already-acknowledged', 409, 'The alert is already acknowledged.'),
  alreadyResolved: define('already-resolved', 409, 'The alert is already resolved.'),
  invalidAssignee: define('invalid-assignee', 400, 'No such user, or the user gives the patient no care.'),
  // episodes (issue 20)
  snoozeEnded: define('snooze-ended', 400, 'The snooze\'s end time is not after the platform\'s time now.'),
  snoozeTooLong: define('snooze-too-long', 400, 'A snooze may last at most 72 hours.'),
  snoozeNotFound: define('not-found', 404, 'No snooze in force for this episode.'),
  versionConflict: define('version-conflict', 409, 'Someone else changed the rule meanwhile; reload and try again.'),
  pauseOverlaps: define('overlaps', 409, 'The pause overlaps another pause of the patient.'),
  invalidRange: define('invalid-range', 400, 'The end must come after the start.'),
  pauseAlreadyEnded: define('already-ended', 409, 'The pause has already ended.'),
  pauseNotStarted: define('not-started', 409, 'The pause has not started yet.'),
  /** The stored overrides of a patient no longer resolve: a defect of ours, said as such (message: the rule's detail). */
  invalidStoredRules: define('invalid-stored-rules', 500, '%s'),
  gatewayPatientNotFound: define('patient-not-found', 404, 'No such patient.'),
  patientHasGateway: define('patient-has-gateway', 409, 'The patient already has an active gateway; revoke it first.'),
  invalidGatewayId: define('invalid-id', 400, 'Not a valid gateway id.'),
  gatewayIdTaken: define('id-taken', 409, 'The id is already in use.'),
  gatewayRevoked: define('revoked', 409, 'The gateway is revoked.'),
  devicePairedElsewhere: define('device-paired-elsewhere', 409, 'The device is paired to another patient\'s gateway; unpair it there first.'),
  // users and roles (issue 17)
  userAdminRequired: define('forbidden', 403, 'Only an administrator may manage users.'),
  userNotFound: define('not-found', 404, 'No such user.'),
  usernameTaken: define('username-taken', 409, 'The username is already in use.'),
  ownAccount: define('own-account', 409, 'An administrator cannot disable or demote their own account.'),
  notACarer: define('not-a-carer', 409, 'Only a nurse, clinician or administrator can be on a patient\'s care team.'),
  // the shift (issue 20, docs/decisions/0034)
  shiftAssignerRequired: define('forbidden', 403, 'Only a nurse or administrator on the patient\'s care team may assign the shift.'),
  handoverWriterRequired: define('forbidden', 403, 'Only a nurse or clinician on the patient\'s care team may write a handover note.'),
  shiftRoleRequired: define('forbidden', 403, 'The shift view is for the municipality\'s nurses, clinicians and administrators.'),
  notANurse: define('not-a-nurse', 409, 'Only a nurse can be put on a patient for a shift.'),
  shiftEnded: define('shift-ended', 409, 'That shift has ended: who was on it stays as it was.'),
  clockAdminRequired: define('forbidden', 403, 'Only an administrator may move the platform clock.'),
  clockFixed: define('clock-fixed', 403, 'The platform clock can be moved only in demo and test mode.'),
  enrolAdminRequired: define('forbidden', 403, 'Only an administrator may enrol patients.'),
  flowsAdminRequired: define('forbidden', 403, 'Only an administrator of the municipality may open the flow editor.'),
  flowsServiceOnly: define('forbidden', 403, 'Only the flows service of the municipality may do this.'),
  /** The detail: not-11-digits, check-digits or not-a-date (@varde/domain national-id.ts). */
  invalidNationalId: define('invalid-national-id', 400, 'Not a valid national identity number or D-number (%s).'),
  alreadyEnrolled: define('already-enrolled', 409, 'The patient is already enrolled.'),
  // the course of service (issue 17)
  serviceEnded: define('service-ended', 409, 'The patient\'s service has ended.'),
  // the care team (issue 18)
  teamManagerRequired: define('forbidden', 403, 'Only a nurse, clinician or administrator of the municipality may change the care team.'),
  memberNotFound: define('not-found', 404, 'No active relationship with this id on the patient\'s care team.'),
  alreadyMember: define('already-member', 409, 'The user already has an active relationship with the patient.'),
  unknownTeamUser: define('unknown-user', 400, 'No such user.'),
  unknownRecipient: define('unknown-recipient', 400, 'No such recipient.'),
  objectionNotFound: define('not-found', 404, 'No objection in force with this id.'),
  noGp: define('no-gp', 409, 'The patient has no GP on the care team who receives forwarding.'),
  gpRelationshipEnded: define('relationship-ended', 409, 'The GP\'s relationship with the patient has ended; nothing is forwarded.'),
  patientObjects: define('patient-objects', 409, 'The patient objects to sharing with this recipient (reservasjon); nothing is forwarded.'),
  deliveriesAdminRequired: define('forbidden', 403, 'Only an administrator of the municipality may see all its deliveries.'),
  tenantWhatIfAdminRequired: define('forbidden', 403, 'Only an administrator of the municipality may replay a rule change over all its patients.'),
  deadLetterNotFound: define('not-found', 404, 'No dead letter with this id.'),
  recipientNotFound: define('not-found', 404, 'No forwarding recipient with this id in the tenant.'),
  recipientNameTaken: define('recipient-name-taken', 409, 'The tenant has another recipient of this name.'),
  invalidObjectionTarget: define('invalid-objection-target', 400, 'An objection against one recipient names a recipient outside the municipal team.'),
  // symptom questionnaires (issue 25, ADR 0042)
  invalidQuestionnaire: define('invalid-questionnaire', 400, 'The answers do not fit the questionnaire: the CAT takes 8 items, each 0–5; the daily question one answer, 1–5.'),
  dailyAlreadyAnswered: define('daily-already-answered', 409, 'Today\'s question is answered already; one answer a day.'),
  answerIdReused: define('answer-id-reused', 409, 'This answer id was used for other answers.'),
  // saved views of the patient list (issue 20)
  listViewNotFound: define('not-found', 404, 'No saved view of yours with this id.'),
  tooManyViews: define('too-many-views', 409, 'You have as many saved views as one may keep; delete one first.'),
  listViewsForStaff: define('forbidden', 403, 'Saved views are for staff with a patient list.'),
  // FHIR (answered as OperationOutcome, fhir/operation-outcome.ts)
  fhirLoginRequired: define('unauthenticated', 401, 'Authentication required (session cookie or Bearer token)'),
  fhirParameterRequired: define('required', 400, '%s'),
  fhirNotSupported: define('not-supported', 400, '%s'),
  fhirNoEndpoint: define('not-supported', 404, 'No such FHIR endpoint (see /fhir/metadata)'),
  fhirNoCareRelationship: define('forbidden', 403, 'No care relationship to this patient'),
  fhirResourceNotFound: define('not-found', 404, '%s not found or not accessible'),
  fhirScopeForbidden: define('forbidden', 403, 'The access token\'s scopes do not cover %s (SMART system/<type>.read)'),
  // the token endpoint (SMART Backend Services, docs/decisions/0038): RFC 6749 §5.2's errors, kebab-case as every code here
  clientInvalid: define('invalid-client', 401, '%s'),
  clientGrantInvalid: define('invalid-grant', 400, '%s'),
  clientScopeInvalid: define('invalid-scope', 400, '%s'),
  clientRequestInvalid: define('invalid-request', 400, '%s'),
  clientGrantTypeUnsupported: define('unsupported-grant-type', 400, 'grant_type must be client_credentials'),
  fhirAuditForbidden: define('forbidden', 403, 'Only the tenant\'s privacy officer and the patient may read the patient\'s access log'),
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
export const ASSIGN_FAILURES: Record<AssignFailure, ErrorConstructorOf> = {
  'invalid-assignee': ERRORS.invalidAssignee,
  'not-a-nurse': ERRORS.notANurse,
}
export const SHARE_FAILURES: Record<ShareFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.alertNotFound,
  'no-gp': ERRORS.noGp,
  'relationship-ended': ERRORS.gpRelationshipEnded,
  'patient-objects': ERRORS.patientObjects,
}
export const PROVISIONING_FAILURES: Record<ProvisioningFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.gatewayNotFound,
  'patient-not-found': ERRORS.gatewayPatientNotFound,
  'patient-has-gateway': ERRORS.patientHasGateway,
  'invalid-id': ERRORS.invalidGatewayId,
  'id-taken': ERRORS.gatewayIdTaken,
  revoked: ERRORS.gatewayRevoked,
  'device-paired-elsewhere': ERRORS.devicePairedElsewhere,
}
export const USER_ADMIN_FAILURES: Record<UserAdminFailure, ErrorConstructorOf> = {
  'not-found': ERRORS.userNotFound,
  'username-taken': ERRORS.usernameTaken,
  'own-account': ERRORS.ownAccount,
}

/** Codes for Fastify's own refusals, which carry a status only. */
const STATUS_CODES: Record<number, ApiErrorCode> = {
  400: 'invalid-request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed',
  406: 'not-acceptable', 413: 'payload-too-large', 414: 'uri-too-long', 415: 'unsupported-media-type', 429: 'too-many-requests',
}
export const codeForStatus = (status: number): ApiErrorCode => STATUS_CODES[status] ?? (status >= 500 ? 'internal-error' : 'invalid-request')

/** An error of ours, with its code and status. */
export const isApiFailure = (error: unknown): error is ApiFailure & { code: string; statusCode: number } => error instanceof ApiFailure

/** The FHIR issue type (R4 IssueType) of an API code, for an OperationOutcome. */
const FHIR_ISSUES: Record<string, string> = {
  'not-found': 'not-found', forbidden: 'forbidden', unauthenticated: 'login', required: 'required',
  'not-supported': 'not-supported', 'too-many-requests': 'throttled',
  'invalid-client': 'security', 'invalid-grant': 'security', 'invalid-scope': 'forbidden', 'unsupported-grant-type': 'not-supported',
}
export const fhirIssueFor = (code: string): string => FHIR_ISSUES[code] ?? 'invalid'

/**
 * The code an answer carries. @fastify/error upper-cases the code it is given
 * (Fastify's own read FST_ERR_…); the API's codes are lower kebab-case, as the
 * portal and the device protocol spell them, so every code above is written
 * in lower case and read back so.
 */
export const apiCodeOf = (error: ApiFailure & { code: string }): string => error.code.toLowerCase()

/** The JSON API's answer to one of our errors: `{error: {code, message}}` (@varde/api-contract errorBody). */
export const errorAnswer = (error: ApiFailure & { code: string }) => ({ error: { code: apiCodeOf(error), message: error.message } })
