import { createSession, deleteSession, findUserCredentials, verifySecret, type Queryable } from '@varde/db'

/**
 * Logging in and out: the one reading of users and sessions that comes
 * before there is an actor to build the door from (plugins/auth.ts builds
 * it from the session this opens). No health data passes here.
 */
export interface Credentials {
  /** A session token for the user, or null for a wrong password, an unknown, disabled or (in production) demo user: the same answer for each. */
  logIn(username: string, password: string, ttlMs: number): Promise<string | null>
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
    logOut: (token) => deleteSession(db, token),
  }
}
