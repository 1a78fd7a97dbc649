import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { errorBody, logInBody, sessionInfoSchema } from '@varde/api-contract'
import { z } from 'zod'
import type { LoginThrottle } from '../login-throttle.js'
import type { SessionStreams } from '../session-streams.js'
import { createCredentials } from '../access/credentials.js'
import type { Queryable } from '../access/types.js'
import { ERRORS } from '../errors/api-errors.js'
import type { FastifyReply } from 'fastify'
import { requireUser, SESSION_COOKIE, userOf } from '../plugins/auth.js'

/** The session cookie: HttpOnly, SameSite=Strict, for the session's absolute lifetime (one long shift by default). */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean, ttlMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: ttlMs / 1000 })
}

export interface SessionRouteOptions {
  db: Queryable
  throttle: LoginThrottle
  mode: 'demo' | 'production'
  /** `Secure` on the cookie: production mode always (the portal is reached over TLS there). */
  secureCookies: boolean
  streams: SessionStreams
  /** A session's absolute lifetime (VARDE_SESSION_MAX_HOURS, default 12 h). */
  sessionTtlMs: number
}

export const sessionRoutes: FastifyPluginAsyncZod<SessionRouteOptions> = async (app, { db, throttle, mode, secureCookies, streams, sessionTtlMs }) => {
  const credentials = createCredentials(db, mode)
  app.post('/api/session', {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Log in; sets an HttpOnly session cookie',
      body: logInBody,
      response: { 204: z.null(), 401: errorBody, 429: errorBody },
    },
  }, async (request, reply) => {
    const { username, password } = request.body
    if (throttle.isBlocked(username, request.ip)) {
      throw new ERRORS.tooManyAttempts()
    }
    const token = await credentials.logIn(username, password, sessionTtlMs)
    if (token === null) {
      throttle.recordFailure(username, request.ip)
      request.log.info({ event: 'login-failed' }, 'login failed')
      throw new ERRORS.invalidCredentials()
    }
    throttle.recordSuccess(username, request.ip)
    setSessionCookie(reply, token, secureCookies, sessionTtlMs)
    return reply.code(204).send(null)
  })

  // a page load, not a login: outside the per-address limit of logins (app.ts), which a response centre behind one
  // address would otherwise reach by opening pages
  app.get('/api/session', {
    config: { access: 'none', rateLimit: false },
    preHandler: requireUser,
    schema: {
      tags: ['session'],
      summary: 'The logged-in user and tenant',
      response: {
        200: sessionInfoSchema,
        401: errorBody,
      },
    },
  }, async (request) => {
    const u = userOf(request)
    return {
      user: { id: u.userId, username: u.username, displayName: u.displayName, role: u.role },
      tenant: { id: u.tenantId, name: u.tenantName },
      authMethod: u.authMethod,
      authTime: u.authTime.toISOString(),
    }
  })

  app.delete('/api/session', { config: { access: 'none', rateLimit: false }, schema: { tags: ['session'], summary: 'Log out', response: { 204: z.null() } } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    if (token) {
      await credentials.logOut(token)
      streams.endSession(token) // its live pages stop receiving now, not at their next check
    }
    reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/' })
    return reply.code(204).send(null)
  })
}
