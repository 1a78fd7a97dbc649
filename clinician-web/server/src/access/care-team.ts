import {
  addCareTeamMember, canAccessPatient, endCareTeamMember, findAlert, listCareTeam, listDeliveryViews, listObjections, listRecipientOffers,
  listTeamCandidates, MUNICIPAL_RELATIONS, recordObjection, shareAlertWithGp, withdrawObjection, type CareTeamMember, type DeliveryView,
  type RecipientOffer, type NewCareTeamMember, type ObjectionChannel, type PatientObjection, type TeamCandidate,
} from '@varde/db'
import { CARE_TEAM_FAILURES, ERRORS, SHARE_FAILURES } from '../errors/api-errors.js'
import { hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/**
 * Who decides on a patient's care team and records an objection: the
 * municipality's own staff who give the patient care (a nurse, a clinician)
 * and the tenant administrator on the team; never an outside GP or the
 * patient's own login (DOMAIN.md "Sharing and law": the municipality that
 * gives the care answers for who shares in it).
 */
export const TEAM_MANAGER_ROLES = ['nurse', 'clinician', 'admin'] as const

export interface CareTeamView {
  members: CareTeamMember[]
  objections: PatientObjection[]
  /** The tenant's forwarding recipients (what a new member's relationship may forward to). */
  recipients: RecipientOffer[]
  /** Each delivery's status, newest first (the patient page's "Videresending"). */
  deliveries: DeliveryView[]
  canManage: boolean
  /** The tenant's users a manager may add (empty for others: the GP is not shown the municipality's staff). */
  candidates: TeamCandidate[]
}

export type NewMember = Omit<NewCareTeamMember, 'tenantId' | 'patientId' | 'decidedByUserId'>
export interface NewObjectionInput {
  scope: 'all-beyond-municipal' | 'recipient'
  recipientId?: string | null
  userId?: string | null
  channel: ObjectionChannel
  objectedOn?: string
  note?: string | null
}

/**
 * A patient's care team (issue 18): its relationships with the trust
 * framework's metadata, the patient's objections and the forwarding
 * deliveries. Anyone with an active relationship reads it; managers change
 * it. Each call leaves one access-log entry, refusals included; a caller
 * without a relationship is answered as for a patient that does not exist.
 */
export function careTeamAccess({ db, actor, audit, where }: AccessContext) {
  const mayManage = hasRole(actor, TEAM_MANAGER_ROLES)
  /** The door: a relationship to the patient, and for a change a manager's role; one log entry either way. */
  const enter = async (patientId: string, entry: { action: 'read' | 'change'; resourceType: string; resourceId?: string; details?: Record<string, unknown> }) => {
    const allowed = await canAccessPatient(db, actor.tenantId, userIdOf(actor), patientId)
    const isManager = entry.action === 'read' || mayManage
    await audit.one({
      action: entry.action, resourceType: entry.resourceType, resourceId: entry.resourceId ?? patientId, patientId: allowed ? patientId : null,
      outcome: allowed && isManager ? 'allowed' : 'denied', details: { ...entry.details, ...(allowed && !isManager ? where() : {}) },
    })
    if (!allowed) throw new ERRORS.patientNotFound()
    if (!isManager) throw new ERRORS.teamManagerRequired()
  }

  return {
    async read(patientId: string): Promise<CareTeamView> {
      await enter(patientId, { action: 'read', resourceType: 'CareTeam' })
      const [members, objections, recipients, deliveries, candidates] = await Promise.all([
        listCareTeam(db, actor.tenantId, patientId), listObjections(db, actor.tenantId, patientId),
        listRecipientOffers(db, actor.tenantId), listDeliveryViews(db, { tenantId: actor.tenantId, patientId }),
        mayManage ? listTeamCandidates(db, actor.tenantId) : Promise.resolve([]),
      ])
      return { members, objections, recipients, deliveries, canManage: mayManage, candidates }
    },

    /** The team for FHIR `CareTeam` (read or search): one log entry; PatientNotFound without an active relationship. */
    async members(patientId: string, api: { action: 'read' | 'search' }): Promise<CareTeamMember[]> {
      const allowed = await canAccessPatient(db, actor.tenantId, userIdOf(actor), patientId)
      await audit.one({ action: api.action, resourceType: 'CareTeam', resourceId: patientId, patientId: allowed ? patientId : null, outcome: allowed ? 'allowed' : 'denied', details: { api: 'fhir' } })
      if (!allowed) throw new ERRORS.patientNotFound()
      return listCareTeam(db, actor.tenantId, patientId)
    },

    /**
     * "Del med fastlege": the alert, which the actor must see, forwarded to
     * the patient's GP now with a note, through the forwarding outbox
     * (docs/decisions/0023). Refused with its reason when the patient objects
     * or the GP's relationship has ended. One log entry, refusals included.
     */
    async shareAlert(alertId: string, note: string | null): Promise<DeliveryView> {
      const alert = await findAlert(db, { tenantId: actor.tenantId, userId: userIdOf(actor), alertId })
      const entry = { action: 'change', resourceType: 'Alert', resourceId: alertId, patientId: alert?.patientId ?? null }
      if (!alert || !mayManage) {
        await audit.one({ ...entry, outcome: 'denied', details: { change: 'share-with-gp', ...(alert ? where() : {}) } })
        if (!alert) throw new ERRORS.alertNotFound()
        throw new ERRORS.teamManagerRequired()
      }
      const shared = await shareAlertWithGp(db, { tenantId: actor.tenantId, alertId, byUserId: userIdOf(actor), note })
      await audit.one({ ...entry, outcome: shared.ok ? 'allowed' : 'denied', details: { change: 'share-with-gp', ...(shared.ok ? { delivery: shared.delivery.id } : { refused: shared.code }) } })
      if (!shared.ok) throw new SHARE_FAILURES[shared.code]()
      return shared.delivery
    },

    async addMember(patientId: string, member: NewMember): Promise<CareTeamMember> {
      await enter(patientId, { action: 'change', resourceType: 'CareTeam', details: { change: 'add', relation: member.relation } })
      const added = await addCareTeamMember(db, { ...member, tenantId: actor.tenantId, patientId, decidedByUserId: userIdOf(actor) })
      if (!added.ok) throw new CARE_TEAM_FAILURES[added.code]()
      return added.member
    },

    async endMember(patientId: string, memberId: string, reason: string): Promise<CareTeamMember> {
      await enter(patientId, { action: 'change', resourceType: 'CareTeam', resourceId: memberId, details: { change: 'end' } })
      const ended = await endCareTeamMember(db, { tenantId: actor.tenantId, patientId, memberId, endedByUserId: userIdOf(actor), reason })
      if (!ended) throw new ERRORS.memberNotFound()
      return ended
    },

    async recordObjection(patientId: string, o: NewObjectionInput): Promise<PatientObjection> {
      await enter(patientId, { action: 'change', resourceType: 'Consent', details: { change: 'objection', scope: o.scope } })
      if (o.scope === 'recipient' && o.userId) {
        // an objection against one recipient is against someone outside the municipal team, which keeps access by law
        const member = (await listCareTeam(db, actor.tenantId, patientId)).find((m) => m.user?.id === o.userId && m.isActive)
        if (!member || MUNICIPAL_RELATIONS.includes(member.relation)) throw new ERRORS.invalidObjectionTarget()
      }
      try {
        return await recordObjection(db, { ...o, tenantId: actor.tenantId, patientId, recordedByUserId: userIdOf(actor) })
      } catch (error) {
        if ((error as { code?: string }).code === '23503') throw new ERRORS.invalidObjectionTarget()
        throw error
      }
    },

    async withdrawObjection(patientId: string, objectionId: string, channel: ObjectionChannel): Promise<PatientObjection> {
      await enter(patientId, { action: 'change', resourceType: 'Consent', resourceId: objectionId, details: { change: 'withdraw' } })
      const withdrawn = await withdrawObjection(db, { tenantId: actor.tenantId, patientId, objectionId, byUserId: userIdOf(actor), channel })
      if (!withdrawn) throw new ERRORS.objectionNotFound()
      return withdrawn
    },
  }
}
