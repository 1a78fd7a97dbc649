import {
  addCareTeamMember, createStaffUser, endCareTeamMember, findStaffUser, findUserMembership, hashSecret, listAssignablePatients, listStaffUsers, newToken,
  resetStaffPassword, updateStaffUser, type CareRelation, type StaffRole, type StaffUser, type UserAdminResult,
} from '@varde/db'
import { CARE_TEAM_FAILURES, ERRORS, USER_ADMIN_FAILURES } from '../errors/api-errors.js'
import { dbActorOf, hasRole } from './actor.js'
import { userIdOf, type AccessContext } from './context.js'

/** Who may be put on a patient's care team from the users page: those who give care (a privacy officer reads no health data, migration 0010). */
const CARER_ROLES: readonly StaffRole[] = ['nurse', 'clinician', 'admin']

/** A password shown once to the administrator, to hand to the user: 96 random bits, 16 characters of base64url. */
export const newUserPassword = (): string => newToken().slice(0, 16)

/**
 * The tenant administrator's users and roles (issue 17): list, create, set
 * role, enable and disable, reset a password, and put a user on or take
 * them off a patient's care team. Every call leaves one access-log entry
 * (a write's is in its own statement, packages/db user-admin.ts); another
 * tenant's user is answered as an unknown one. The care team is changed by
 * the care team's own statements (packages/db care-team.ts), the decision
 * recorded with the administrator as its maker, as the patient page's care
 * team records a nurse's.
 */
export function userAccess({ db, actor, audit, where }: AccessContext) {
  const done = <T>(result: UserAdminResult<T>): T => {
    if (!result.ok) throw new USER_ADMIN_FAILURES[result.code]()
    return result
  }
  return {
    /** Refuses anyone but an administrator, and logs the refusal. */
    async requireAdmin(): Promise<void> {
      if (hasRole(actor, ['admin'])) return
      await audit.one({ action: 'user.admin', resourceType: 'User', resourceId: null, outcome: 'denied', details: where() })
      throw new ERRORS.userAdminRequired()
    },

    /** The staff and the patients they may be put on the team of. */
    async list(): Promise<{ users: StaffUser[]; patients: { id: string; displayName: string }[] }> {
      const [users, patients] = await Promise.all([listStaffUsers(db, actor.tenantId), listAssignablePatients(db, actor.tenantId)])
      await audit.one({ action: 'user.list', resourceType: 'User', outcome: 'allowed', details: { count: users.length } })
      return { users, patients }
    },

    /** A new user and the password to hand them (shown this once; only its hash is kept). */
    async create(u: { username: string; displayName: string; role: StaffRole }): Promise<{ userId: string; password: string }> {
      const password = newUserPassword()
      const created = done(await createStaffUser(db, { actor: dbActorOf(actor), ...u, passwordHash: await hashSecret(password) }))
      return { userId: created.userId, password }
    },

    update: async (userId: string, change: { role?: StaffRole | undefined; isEnabled?: boolean | undefined }) =>
      done(await updateStaffUser(db, { actor: dbActorOf(actor), userId, ...change })),

    async resetPassword(userId: string): Promise<{ password: string }> {
      // an unknown id is answered before the hash's ~50 ms are spent on it
      if (!(await findStaffUser(db, actor.tenantId, userId))) throw new ERRORS.userNotFound()
      const password = newUserPassword()
      done(await resetStaffPassword(db, { actor: dbActorOf(actor), userId, passwordHash: await hashSecret(password) }))
      return { password }
    },

    /** Puts the user on the patient's care team (a municipal relationship); one entry, naming the patient when it is the tenant's. */
    async addToTeam(userId: string, patientId: string, relation: CareRelation, reason: string) {
      const user = await findStaffUser(db, actor.tenantId, userId)
      const added = user && CARER_ROLES.includes(user.role)
        ? await addCareTeamMember(db, { tenantId: actor.tenantId, patientId, relation, userId, decidedByUserId: userIdOf(actor), reason })
        : null
      await audit.one({
        action: 'change', resourceType: 'CareTeam', resourceId: added?.ok ? added.member.id : userId, patientId: added?.ok ? patientId : null,
        outcome: added?.ok ? 'allowed' : 'denied', details: { change: 'add', relation, userId, ...(added?.ok ? {} : { reason: added?.code ?? (user ? 'not-a-carer' : 'not-found') }) },
      })
      if (!user) throw new ERRORS.userNotFound()
      if (!added) throw new ERRORS.notACarer()
      if (!added.ok) throw new CARE_TEAM_FAILURES[added.code]()
      return added.member
    },

    /** Ends the user's relationship `memberId` (from the list) now; one entry, naming the patient when it was the user's. */
    async removeFromTeam(userId: string, memberId: string, reason: string) {
      const membership = await findUserMembership(db, actor.tenantId, userId, memberId)
      const ended = membership
        ? await endCareTeamMember(db, { tenantId: actor.tenantId, patientId: membership.patientId, memberId, endedByUserId: userIdOf(actor), reason })
        : null
      await audit.one({
        action: 'change', resourceType: 'CareTeam', resourceId: memberId, patientId: ended ? membership?.patientId ?? null : null,
        outcome: ended ? 'allowed' : 'denied', details: { change: 'end', userId },
      })
      if (!ended) throw new ERRORS.memberNotFound()
      return ended
    },
  }
}
