import { createSession, deleteSession, findHelseIdCandidates, findUserCredentials, sessionIdToken, verifySecret, type HelseIdLogin, type Queryable } from '@varde/db'

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
   * national-id pseudonym), or why not: nobody (or several tenants' users,
   * which a login cannot choose between), or a security level below the
   * tenant's least (docs/decisions/0021).
   */
  logInWithHelseId(login: HelseIdLogin, ttlMs: number): Promise<{ token: string; username: string } | { refused: 'helseid-no-user' | 'security-level-too-low' }>
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
      const user = candidates.length === 1 ? candidates[0] : undefined
      if (!user) return { refused: 'helseid-no-user' }
      if (securityLevel === null || securityLevel < user.minSecurityLevel) return { refused: 'security-level-too-low' }
      return { token: await createSession(db, user, ttlMs, login), username: user.username }
    },
    idTokenOf: (token) => sessionIdToken(db, token),
    logOut: (token) => deleteSession(db, token),
  }
}
