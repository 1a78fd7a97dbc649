import { findSessionUser, recordAccess, type AccessEntry, type Queryable, type SessionUser } from '@varde/db'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

export const SESSION_COOKIE = 'varde_session'

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null
    /** The session token the caller was resolved from (cookie or Bearer), null without a valid one. */
    sessionToken: string | null
    /** Writes one entry to the access log (tilgangslogg) as the current user. */
    audit(entry: Omit<AccessEntry, 'tenantId' | 'actorUserId' | 'actor'>): Promise<void>
  }
}

/**
 * Resolves the caller from the session cookie, or from `Authorization: Bearer`
 * (the same token, for FHIR clients), and gives every request an audit
 * function bound to that caller.
 */
export const authPlugin = fp<{ db: Queryable; mode: 'demo' | 'production' }>(async (app, { db, mode }) => {
  app.decorateRequest('user', null)
  app.decorateRequest('sessionToken', null)
  app.decorateRequest('audit', async function () {})
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : request.cookies[SESSION_COOKIE]
    const user = token ? await findSessionUser(db, token) : null
    // production mode refuses demo accounts even with a live session
    request.user = user && !(mode === 'production' && user.isDemo) ? user : null
    request.sessionToken = request.user ? token ?? null : null
    request.audit = async (entry) => {
      const u = request.user
      if (!u) return
      await recordAccess(db, { ...entry, tenantId: u.tenantId, actorUserId: u.userId, actor: u.username })
    }
  })
}, { name: 'varde-auth', dependencies: ['@fastify/cookie'] })

/** preHandler for routes that need a logged-in user. */
export async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.user) {
    await reply.code(401).send({ error: { code: 'unauthenticated', message: 'Logg inn for å fortsette.' } })
  }
}

/** The logged-in user of a route guarded by requireUser. */
export function userOf(request: FastifyRequest): SessionUser {
  if (!request.user) throw new Error('requireUser must guard this route')
  return request.user
}
