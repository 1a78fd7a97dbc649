import { errorBody } from '@varde/api-contract'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createCredentials } from '../access/credentials.js'
import type { Queryable } from '../access/types.js'
import type { LoginTransaction } from '../helseid/relying-party.js'
import type { IdPortenRelyingParty } from '../idporten/relying-party.js'
import { SESSION_COOKIE } from '../plugins/auth.js'
import type { SessionStreams } from '../session-streams.js'
import { setSessionCookie } from './session.js'

const TRANSACTION_COOKIE = 'varde_idporten'
const TRANSACTION_PATH = '/api/session/idporten'
/** Where a patient lands after login: her own page (docs/decisions/0031). */
const PATIENT_HOME = '/min-side'
const transactionSchema = z.object({
  state: z.string().min(1).max(200), nonce: z.string().min(1).max(200), codeVerifier: z.string().min(43).max(128),
  returnTo: z.string().max(2000), redirectUri: z.string().max(2000),
})

export interface IdPortenRouteOptions {
  db: Queryable
  mode: 'demo' | 'production'
  secureCookies: boolean
  streams: SessionStreams
  /** null: ID-porten login is not configured (VARDE_IDPORTEN_*); the routes say so. */
  relyingParty: IdPortenRelyingParty | null
  sessionTtlMs: number
}

const portalPath = (raw: string | undefined): string => (raw && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) ? raw : PATIENT_HOME)
const toLogin = (code: string) => `/login?error=${encodeURIComponent(code)}`

/**
 * Patients log in with ID-porten (issue 25; docs/decisions/0039), the way
 * staff log in with HelseID (routes/helseid-session.ts, decision 21): the
 * start sends the browser to ID-porten with PKCE, state and nonce in a
 * short-lived HttpOnly cookie (SameSite=Lax for the cross-site return), the
 * callback checks the answer, finds the patient user whose patient the
 * national id names and opens her session, or sends the browser to the login
 * page with a coded reason. Logout ends the session here and at ID-porten.
 * No national id is logged, kept in the session or put in a reason.
 */
export const idPortenSessionRoutes: FastifyPluginAsyncZod<IdPortenRouteOptions> = async (app, options) => {
  const { relyingParty: rp, secureCookies } = options
  const credentials = createCredentials(options.db, options.mode)
  const transactionCookie = { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies, path: TRANSACTION_PATH }

  app.get(TRANSACTION_PATH, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Log in with ID-porten (patients): redirects to the provider',
      querystring: z.object({ returnTo: z.string().max(2000).optional() }),
      response: { 302: z.null() },
    },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin('idporten-not-configured'))
    let started: Awaited<ReturnType<IdPortenRelyingParty['start']>>
    try {
      started = await rp.start({ origin: originOf(request), returnTo: portalPath(request.query.returnTo) })
    } catch (error) {
      request.log.warn({ event: 'idporten-unavailable', err: error }, 'ID-porten discovery failed')
      return reply.redirect(toLogin('idporten-unavailable'))
    }
    reply.setCookie(TRANSACTION_COOKIE, Buffer.from(JSON.stringify(started.transaction)).toString('base64url'), { ...transactionCookie, maxAge: 600 })
    return reply.redirect(started.url)
  })

  app.get(`${TRANSACTION_PATH}/callback`, {
    config: { access: 'none' },
    schema: { tags: ['session'], summary: 'Where ID-porten sends the browser back after login', response: { 302: z.null() } },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin('idporten-not-configured'))
    const transaction = transactionOf(request.cookies[TRANSACTION_COOKIE])
    reply.clearCookie(TRANSACTION_COOKIE, transactionCookie) // one use
    if (!transaction) {
      request.log.info({ event: 'idporten-login-failed', reason: 'no login under way in this browser' }, 'ID-porten login failed')
      return reply.redirect(toLogin('idporten-login-failed'))
    }
    const finished = await rp.finish(request.url, transaction)
    if ('failure' in finished) {
      request.log.info({ event: 'idporten-login-failed', reason: finished.reason }, 'ID-porten login failed')
      return reply.redirect(toLogin(finished.failure))
    }
    const opened = await credentials.logInWithIdPorten(finished, options.sessionTtlMs)
    if ('refused' in opened) {
      request.log.info({ event: 'idporten-login-refused', reason: opened.refused, level: finished.identity.level }, 'ID-porten login refused')
      return reply.redirect(toLogin(opened.refused))
    }
    request.log.info({ event: 'idporten-login', username: opened.username, level: finished.identity.level }, 'ID-porten login')
    const previous = request.cookies[SESSION_COOKIE]
    if (previous) {
      await credentials.logOut(previous)
      options.streams.endSession(previous)
    }
    setSessionCookie(reply, opened.token, secureCookies, options.sessionTtlMs)
    return reply.redirect(transaction.returnTo)
  })

  app.post(`${TRANSACTION_PATH}/logout`, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Log out here and at ID-porten: ends the session and answers where to send the browser (the provider\'s end-session URL, or null)',
      response: { 200: z.object({ redirectTo: z.string().nullable() }), 401: errorBody },
    },
  }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE]
    const idToken = token ? await credentials.idTokenOf(token) : null
    if (token) {
      await credentials.logOut(token)
      options.streams.endSession(token)
    }
    reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookies, path: '/' })
    let redirectTo: string | null = null
    if (rp && idToken) {
      try { redirectTo = await rp.endSessionUrl(idToken, originOf(request)) } catch (error) { request.log.warn({ event: 'idporten-unavailable', err: error }, 'ID-porten discovery failed at logout') }
    }
    return { redirectTo }
  })
}

const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`

function transactionOf(raw: string | undefined): LoginTransaction | null {
  if (!raw) return null
  try {
    const parsed = transactionSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')))
    return parsed.success ? { ...parsed.data, returnTo: portalPath(parsed.data.returnTo) } : null
  } catch {
    return null
  }
}
