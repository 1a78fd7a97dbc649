import { chooseTenantBody, errorBody, tenantChoiceSchema } from '@varde/api-contract'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createCredentials } from '../access/credentials.js'
import { ERRORS } from '../errors/api-errors.js'
import type { Queryable } from '../access/types.js'
import type { LoginTransaction, RelyingParty } from '../helseid/relying-party.js'
import { SESSION_COOKIE } from '../plugins/auth.js'
import type { SessionStreams } from '../session-streams.js'
import { setSessionCookie } from './session.js'

const TRANSACTION_COOKIE = 'varde_helseid'
const TRANSACTION_PATH = '/api/session/helseid'
/** A person who is a user in several tenants picks one here after login (docs/decisions/0026). */
const CHOICE_COOKIE = 'varde_tenant_choice'
const CHOICE_PATH = '/api/session/tenant-choice'
const transactionSchema = z.object({
  state: z.string().min(1).max(200), nonce: z.string().min(1).max(200), codeVerifier: z.string().min(43).max(128),
  maxAge: z.number().int().min(0).optional(), returnTo: z.string().max(2000), redirectUri: z.string().max(2000),
})

export interface HelseIdRouteOptions {
  db: Queryable
  mode: 'demo' | 'production'
  secureCookies: boolean
  streams: SessionStreams
  /** null: HelseID login is not configured (VARDE_OIDC_*); the routes say so. */
  relyingParty: RelyingParty | null
  /** Patients may log in with ID-porten (routes/idporten-session.ts): the login page offers it. */
  hasIdPorten?: boolean
  sessionTtlMs: number
}

/** Only a path of the portal itself: no open redirect through the login. */
const portalPath = (raw: string | undefined): string => (raw && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) ? raw : '/')
const toLogin = (code: string) => `/login?error=${encodeURIComponent(code)}`

/**
 * Login with HelseID (issue 24; docs/decisions/0021): the start sends the
 * browser to the provider with PKCE, state and nonce kept in a short-lived
 * HttpOnly cookie (SameSite=Lax: the provider's redirect back is a cross-site
 * navigation, which a Strict cookie would miss); the callback checks the
 * answer (openid-client), finds the Varde user and opens a session, or sends
 * the browser back to the login page with a coded reason. Logout ends the
 * session here and at the provider (single logout).
 */
export const helseIdSessionRoutes: FastifyPluginAsyncZod<HelseIdRouteOptions> = async (app, options) => {
  const { relyingParty: rp, secureCookies } = options
  const credentials = createCredentials(options.db, options.mode)
  const transactionCookie = { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies, path: TRANSACTION_PATH }
  const choiceCookie = { httpOnly: true, sameSite: 'strict' as const, secure: secureCookies, path: CHOICE_PATH }

  app.get('/api/login-options', {
    // asked by every login page: not a login attempt, so outside the per-address limit (as GET /api/session)
    config: { access: 'none', rateLimit: false },
    schema: {
      tags: ['session'],
      summary: 'How one may log in besides the password: HelseID (staff), ID-porten (patients), and whether each is a demo stand-in',
      response: { 200: z.object({ helseId: z.object({ isDemo: z.boolean() }).nullable(), idPorten: z.object({ isDemo: z.boolean() }).nullable() }) },
    },
  }, async () => ({
    helseId: rp ? { isDemo: options.mode === 'demo' } : null,
    idPorten: options.hasIdPorten ? { isDemo: options.mode === 'demo' } : null,
  }))

  app.get(TRANSACTION_PATH, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Log in with HelseID: redirects to the provider (maxAge: a fresh login no older than this many seconds, before emergency access)',
      querystring: z.object({ returnTo: z.string().max(2000).optional(), maxAge: z.coerce.number().int().min(0).max(86_400).optional() }),
      response: { 302: z.null() },
    },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin('helseid-not-configured'))
    let started: Awaited<ReturnType<RelyingParty['start']>>
    try {
      started = await rp.start({ origin: originOf(request), returnTo: portalPath(request.query.returnTo), ...(request.query.maxAge !== undefined ? { maxAge: request.query.maxAge } : {}) })
    } catch (error) {
      request.log.warn({ event: 'helseid-unavailable', err: error }, 'HelseID discovery failed')
      return reply.redirect(toLogin('helseid-unavailable'))
    }
    reply.setCookie(TRANSACTION_COOKIE, Buffer.from(JSON.stringify(started.transaction)).toString('base64url'), { ...transactionCookie, maxAge: 600 })
    return reply.redirect(started.url)
  })

  app.get(`${TRANSACTION_PATH}/callback`, {
    config: { access: 'none' },
    schema: { tags: ['session'], summary: 'Where HelseID sends the browser back after login', response: { 302: z.null() } },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin('helseid-not-configured'))
    const transaction = transactionOf(request.cookies[TRANSACTION_COOKIE])
    reply.clearCookie(TRANSACTION_COOKIE, transactionCookie) // one use
    if (!transaction) {
      request.log.info({ event: 'helseid-login-failed', reason: 'no login under way in this browser' }, 'HelseID login failed')
      return reply.redirect(toLogin('helseid-login-failed'))
    }
    const finished = await rp.finish(request.url, transaction)
    if ('failure' in finished) {
      request.log.info({ event: 'helseid-login-failed', reason: finished.reason }, 'HelseID login failed')
      return reply.redirect(toLogin(finished.failure))
    }
    const opened = await credentials.logInWithHelseId(finished, options.sessionTtlMs)
    if ('refused' in opened) {
      request.log.info({ event: 'helseid-login-refused', reason: opened.refused, securityLevel: finished.identity.securityLevel }, 'HelseID login refused')
      return reply.redirect(toLogin(opened.refused))
    }
    if ('choice' in opened) {
      // a user in several tenants: no session until they pick one, on the portal's page
      reply.setCookie(CHOICE_COOKIE, opened.choice, { ...choiceCookie, maxAge: 300 })
      return reply.redirect(`/choose-tenant?${new URLSearchParams({ returnTo: transaction.returnTo })}`)
    }
    request.log.info({ event: 'helseid-login', username: opened.username, securityLevel: finished.identity.securityLevel }, 'HelseID login')
    // a fresh login (before emergency access) replaces the browser's session: the older one, with its older auth_time, is over
    const previous = request.cookies[SESSION_COOKIE]
    if (previous) {
      await credentials.logOut(previous)
      options.streams.endSession(previous)
    }
    setSessionCookie(reply, opened.token, secureCookies, options.sessionTtlMs)
    return reply.redirect(transaction.returnTo)
  })

  app.get(CHOICE_PATH, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'The tenants a person who is a user in several may pick after a HelseID login (empty: no choice under way)',
      response: { 200: tenantChoiceSchema },
    },
  }, async (request) => {
    const choice = request.cookies[CHOICE_COOKIE]
    const options = choice ? await credentials.tenantOptions(choice) : []
    return { items: options.map((o) => ({ tenantId: o.tenantId, tenantName: o.tenantName, displayName: o.displayName })) }
  })

  app.post(CHOICE_PATH, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Pick the tenant after a HelseID login: opens the session for that tenant alone (the choice is used up, the pick logged)',
      body: chooseTenantBody, response: { 204: z.null(), 403: errorBody },
    },
  }, async (request, reply) => {
    const choice = request.cookies[CHOICE_COOKIE]
    reply.clearCookie(CHOICE_COOKIE, choiceCookie) // one use
    const opened = choice ? await credentials.chooseTenant(choice, request.body.tenantId, options.sessionTtlMs) : null
    if (!opened) throw new ERRORS.tenantChoiceExpired()
    const previous = request.cookies[SESSION_COOKIE]
    if (previous) {
      await credentials.logOut(previous)
      options.streams.endSession(previous)
    }
    request.log.info({ event: 'helseid-login', username: opened.username, tenantChosen: request.body.tenantId }, 'HelseID login, tenant chosen')
    setSessionCookie(reply, opened.token, secureCookies, options.sessionTtlMs)
    return reply.code(204).send(null)
  })

  app.post(`${TRANSACTION_PATH}/logout`, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: 'Log out here and at HelseID: ends the session and answers where to send the browser (the provider\'s end-session URL, or null)',
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
      try { redirectTo = await rp.endSessionUrl(idToken, originOf(request)) } catch (error) { request.log.warn({ event: 'helseid-unavailable', err: error }, 'HelseID discovery failed at logout') }
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
