import { findSessionUser, type Queryable, type SessionUser } from '@varde/db'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createAccess, type Access } from '../access/access.js'
import { staffActor } from '../access/actor.js'
import { ERRORS } from '../errors/api-errors.js'

export const SESSION_COOKIE = 'varde_session'

declare module 'fastify' {
  interface FastifyRequest {
    user: SessionUser | null
    /** The session token the caller was resolved from (cookie or Bearer), null without a valid one. */
    sessionToken: string | null
    /** The one door to health data for this caller (access/access.ts); null without a caller. */
    access: Access | null
  }
  interface FastifyContextConfig {
    /**
     * Whether the route reads or writes patients' data or who may see it
     * (`patient`: through `request.access`, one log entry per call), manages
     * it as an administrator (`admin`), opens emergency access to a patient
     * the caller has no relationship with (`emergency`, issue 19), reads the
     * access log as the privacy officer or the patient (`log`), is the
     * patient's own page, keyed by the session alone (`self`, issue 25), or neither
     * (`none`). Every route says;
     * test/access-door.test.ts walks the route table and holds each to it.
     */
    access?: 'patient' | 'admin' | 'none' | 'emergency' | 'log' | 'self'
  }
}

/**
 * Resolves the caller from the session cookie, or from `Authorization: Bearer`
 * (the same token, for FHIR clients), and builds its access layer once. A
 * session idle longer than `idleMs` or past its absolute end is none.
 */
export const authPlugin = fp<{ db: Queryable; mode: 'demo' | 'production'; idleMs: number }>(async (app, { db, mode, idleMs }) => {
  app.decorateRequest('user', null)
  app.decorateRequest('sessionToken', null)
  app.decorateRequest('access', null)
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : request.cookies[SESSION_COOKIE]
    const user = token ? await findSessionUser(db, token, idleMs) : null
    // production mode refuses demo accounts even with a live session
    request.user = user && !(mode === 'production' && user.isDemo) ? user : null
    request.sessionToken = request.user ? token ?? null : null
    request.access = request.user
      ? createAccess(db, staffActor(request.user), () => ({ method: request.method, route: request.routeOptions.url }),
        { ip: request.ip, client: request.headers['user-agent'] })
      : null
  })
}, { name: 'varde-auth', dependencies: ['@fastify/cookie'] })

/** preHandler for routes that need a logged-in user. */
export async function requireUser(request: FastifyRequest): Promise<void> {
  if (!request.user) throw new ERRORS.unauthenticated()
}

/** The logged-in user of a route guarded by requireUser. */
export function userOf(request: FastifyRequest): SessionUser {
  if (!request.user) throw new Error('requireUser must guard this route')
  return request.user
}

/** The access layer of a route guarded by requireUser. */
export function accessOf(request: FastifyRequest): Access {
  if (!request.access) throw new Error('requireUser must guard this route')
  return request.access
}
