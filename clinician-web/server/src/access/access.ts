import { tenantWalledPool, type Queryable } from '@varde/db'
import type { Actor } from './actor.js'
import { alertAccess } from './alerts.js'
import { auditContextOf, auditTrail, type Origin } from './audit-trail.js'
import { clockAccess } from './clock.js'
import { emergencyAccess } from './emergency.js'
import { enrolmentAccess } from './enrolment.js'
import { careTeamAccess } from './care-team.js'
import type { AccessContext } from './context.js'
import { deliveryAccess } from './deliveries.js'
import { fhirReadAccess } from './fhir-reads.js'
import { flowAccess } from './flows.js'
import { gatewayAccess } from './gateways.js'
import { userAccess } from './users.js'
import { listViewAccess } from './list-views.js'
import { logControlAccess } from './log-control.js'
import { myPageAccess } from './my-page.js'
import { patientAccess } from './patients.js'
import { ruleAccess } from './rules.js'
import { searchAccess } from './searches.js'
import { serviceCourseAccess } from './service-course.js'
import { shiftAccess } from './shift.js'
import { streamAccess } from './live-stream.js'

/**
 * The one door to health data (STYLE.md "One door", after Medplum's
 * per-request repository; docs/decisions/0010-access-layer.md): built once
 * per request for its actor, it alone reads and writes patients' data and
 * who may see it. Each method checks the actor's role and care relationship,
 * writes one access-log entry and throws a coded error (errors/api-errors.ts);
 * routes are a schema and one call, so a forgotten check or log entry
 * cannot happen there.
 */
export function createAccess(pool: Queryable, actor: Actor, where: AccessContext['where'], origin: Origin = {}) {
  // the second wall (migration 0012, docs/decisions/0012): every statement of the door runs with the actor's
  // tenant set, so on a real server row-level security keeps it to that tenant's rows whatever a query forgot;
  // and with who and from where, which the access-log entries that statements write themselves take (migration 0020)
  const auditContext = auditContextOf(actor, origin)
  const db = tenantWalledPool(pool, actor.tenantId, auditContext)
  const context: AccessContext = { db, actor, audit: auditTrail(pool, db, actor, auditContext), where }
  return {
    actor,
    patients: patientAccess(context),
    alerts: alertAccess(context),
    rules: ruleAccess(context),
    gateways: gatewayAccess(context),
    users: userAccess(context),
    searches: searchAccess(context),
    fhir: fhirReadAccess(context),
    stream: streamAccess(context),
    clock: clockAccess(context),
    enrolment: enrolmentAccess(context),
    careTeam: careTeamAccess(context),
    flows: flowAccess(context),
    serviceCourse: serviceCourseAccess(context),
    deliveries: deliveryAccess(context),
    emergency: emergencyAccess(context),
    logControl: logControlAccess(context),
    myPage: myPageAccess(context),
    shift: shiftAccess(context),
    listViews: listViewAccess(context),
  }
}

export type Access = ReturnType<typeof createAccess>
