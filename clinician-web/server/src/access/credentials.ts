import {
  createIdPortenSession, createSession, deleteSession, findHelseIdCandidates, findIdPortenCandidates, findUserCredentials, logTenantChosen, openTenantChoice, sessionIdToken, takeTenantChoice, tenantChoiceOptions, verifySecret,
  type HelseIdLogin, type Queryable, type TenantOption,
} from '@varde/db'
import { isLevelAtLeast, type CitizenIdentity } from '@varde/helseid'

/**
 * Logging in and out: the one reading of users and sessions that comes
 * before there is an actor to build the door from (plugins/auth.ts builds
 * it from the session this opens). No health data passes here.
 */
export interface Credentials {
  /** A session token for the user, or null for a wrong password, an unknown, disabled or (in production) demo user: the same answer for each. */
  logIn(username: string, password: string, ttlMs: number): Promise<string | null>
  /**
   * A session for the Varde user a HelseID login is (by HPR number, else by
   * national-id pseudonym), or why not: nobody, or a security level below the
   * tenant's least (docs/decisions/0021). A person who is a user in several
   * tenants (on the level each asks) gets a choice token instead: they pick
   * the tenant, and the session is that tenant's only (docs/decisions/0026).
   */
  logInWithHelseId(login: HelseIdLogin, ttlMs: number): Promise<
    { token: string; username: string } | { choice: string } | { refused: 'helseid-no-user' | 'security-level-too-low' }>
  /**
   * A session for the patient user an ID-porten login is (the patient whose
   * national id the login names, and the user linked to her record), or why
   * not: no such patient user, a level below the tenant's least, or the same
   * person a patient user in several tenants (refused: a patient's choice of
   * municipality is not built yet). docs/decisions/0039.
   */
  logInWithIdPorten(login: { identity: CitizenIdentity; idToken: string; authTime: Date }, ttlMs: number): Promise<
    { token: string; username: string } | { refused: 'idporten-no-patient' | 'idporten-level-too-low' | 'idporten-several-tenants' }>
  /** The tenants a choice offers; empty when it is unknown, used or expired. */
  tenantOptions(choice: string): Promise<TenantOption[]>
  /** Opens the session in the picked tenant (the choice is used up, and the pick logged there); null if it may not. */
  chooseTenant(choice: string, tenantId: string, ttlMs: number): Promise<{ token: string; username: string } | null>
  /** The ID token of a HelseID session, for single logout. */
  idTokenOf(token: string): Promise<string | null>
  logOut(token: string): Promise<void>
}

export function createCredentials(db: Queryable, mode: 'demo' | 'production'): Credentials {
  return {
    async logIn(username, password, ttlMs) {
      const user = await findUserCredentials(db, username)
      const isValid = await verifySecret(user?.passwordHash, password)
      if (!user || !isValid || user.isDisabled || (mode === 'production' && user.isDemo)) return null
      return createSession(db, user, ttlMs)
    },
    async logInWithHelseId(login, ttlMs) {
      const { hprNumber, pidPseudonym, securityLevel } = login.identity
      const candidates = (await findHelseIdCandidates(db, { hprNumber, pidPseudonym }))
        .filter((u) => !u.isDisabled && !(mode === 'production' && u.isDemo))
      if (candidates.length === 0) return { refused: 'helseid-no-user' }
      // each tenant asks its own least level: only the tenants this login is good enough for are offered
      const allowed = candidates.filter((u) => securityLevel !== null && securityLevel >= u.minSecurityLevel)
      const [user] = allowed
      if (!user) return { refused: 'security-level-too-low' }
      if (allowed.length > 1) return { choice: await openTenantChoice(db, allowed.map((u) => u.userId), login) }
      return { token: await createSession(db, user, ttlMs, login), username: user.username }
    },
    async logInWithIdPorten(login, ttlMs) {
      const candidates = (await findIdPortenCandidates(db, login.identity.nationalId))
        .filter((u) => !u.isDisabled && !(mode === 'production' && u.isDemo))
      if (candidates.length === 0) return { refused: 'idporten-no-patient' }
      const allowed = candidates.filter((u) => isLevelAtLeast(login.identity.level, u.minLevel))
      const [user] = allowed
      if (!user) return { refused: 'idporten-level-too-low' }
      if (allowed.length > 1) return { refused: 'idporten-several-tenants' }
      return { token: await createIdPortenSession(db, user, ttlMs, login), username: user.username }
    },
    tenantOptions: (choice) => tenantChoiceOptions(db, choice),
    async chooseTenant(choice, tenantId, ttlMs) {
      const offered = (await tenantChoiceOptions(db, choice)).map((o) => o.tenantId)
      const taken = await takeTenantChoice(db, choice, tenantId)
      if (!taken) return null
      const token = await createSession(db, taken.option, ttlMs, taken.login)
      await logTenantChosen(db, taken.option, offered, taken.login.identity.hprNumber)
      return { token, username: taken.option.username }
    },
    idTokenOf: (token) => sessionIdToken(db, token),
    logOut: (token) => deleteSession(db, token),
  }
}
