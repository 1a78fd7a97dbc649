import { errorBody } from '@varde/api-contract'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createCredentials, type Credentials } from '../access/credentials.js'
import type { Queryable } from '../access/types.js'
import { SESSION_COOKIE } from '../plugins/auth.js'
import { setSessionCookie } from '../routes/session.js'
import type { SessionStreams } from '../session-streams.js'
import type { FinishedLogin, LoginTransaction, RelyingParty } from './relying-party.js'

type App = Parameters<FastifyPluginAsyncZod>[0]

export interface LoginRouteOptions<Identity, Failure extends string> {
  db: Queryable
  mode: 'demo' | 'production'
  secureCookies: boolean
  streams: SessionStreams
  /** null: this login is not configured; the routes say so. */
  relyingParty: RelyingParty<Identity, Failure> | null
  sessionTtlMs: number
}

/** How one provider's login routes differ: names, where the browser lands, whom the login opens a session for. */
export interface LoginRouteProfile<Identity> {
  /** `helseid`: the path /api/session/helseid, the cookie varde_helseid, the codes and log events helseid-… */
  name: string
  /** The provider in log messages and the API's summaries. */
  label: string
  startSummary: string
  /** Where the browser lands when it names no portal path of its own. */
  home: string
  /** A fresh login may be asked for (`maxAge`, before emergency access). */
  freshLogin: boolean
  logIn(credentials: Credentials, finished: FinishedLogin<Identity>, ttlMs: number): Promise<{ token: string; username: string } | { choice: string } | { refused: string }>
  /** What of the identity the log may say (the level; never a national id). */
  logged(identity: Identity): Record<string, unknown>
  /** A person who is a user in several tenants: no session until they pick one. */
  choose?(reply: FastifyReply, choice: string, returnTo: string): FastifyReply
}

const transactionSchema = z.object({
  state: z.string().min(1).max(200), nonce: z.string().min(1).max(200), codeVerifier: z.string().min(43).max(128),
  maxAge: z.number().int().min(0).optional(), returnTo: z.string().max(2000), redirectUri: z.string().max(2000),
})

/** Only a path of the portal itself: no open redirect through the login. */
const portalPathOr = (home: string) => (raw: string | undefined): string => (raw && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) ? raw : home)
const toLogin = (code: string) => `/login?error=${encodeURIComponent(code)}`
const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`

/**
 * Login with an OpenID provider (HelseID: issue 24, docs/decisions/0021;
 * ID-porten: issue 25, 0039): the start sends the browser to the provider
 * with PKCE, state and nonce kept in a short-lived HttpOnly cookie
 * (SameSite=Lax: the provider's redirect back is a cross-site navigation,
 * which a Strict cookie would miss); the callback checks the answer
 * (openid-client), finds the Varde user and opens a session, or sends the
 * browser back to the login page with a coded reason. Logout ends the session
 * here and at the provider (single logout). No national id is logged, kept in
 * the session or put in a reason.
 */
export async function registerLoginRoutes<Identity, Failure extends string>(
  app: App, options: LoginRouteOptions<Identity, Failure>, profile: LoginRouteProfile<Identity>,
): Promise<void> {
  const { relyingParty: rp, secureCookies } = options
  const { name, label } = profile
  const credentials = createCredentials(options.db, options.mode)
  const transactionCookieName = `varde_${name}`
  const path = `/api/session/${name}`
  const transactionCookie = { httpOnly: true, sameSite: 'lax' as const, secure: secureCookies, path }
  const portalPath = portalPathOr(profile.home)
  // a transaction names maxAge only where a fresh login may be asked for
  const schema = profile.freshLogin ? transactionSchema : transactionSchema.omit({ maxAge: true })
  const transactionOf = (raw: string | undefined): LoginTransaction | null => {
    if (!raw) return null
    try {
      const parsed = schema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')))
      return parsed.success ? { ...parsed.data, returnTo: portalPath(parsed.data.returnTo) } : null
    } catch {
      return null
    }
  }

  app.get(path, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: profile.startSummary,
      querystring: profile.freshLogin
        ? z.object({ returnTo: z.string().max(2000).optional(), maxAge: z.coerce.number().int().min(0).max(86_400).optional() })
        : z.object({ returnTo: z.string().max(2000).optional() }),
      response: { 302: z.null() },
    },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin(`${name}-not-configured`))
    const { returnTo, maxAge: asked } = request.query as { returnTo?: string; maxAge?: number }
    const maxAge = profile.freshLogin ? asked : undefined
    let started: Awaited<ReturnType<RelyingParty<Identity, Failure>['start']>>
    try {
      started = await rp.start({ origin: originOf(request), returnTo: portalPath(returnTo), ...(maxAge !== undefined ? { maxAge } : {}) })
    } catch (error) {
      request.log.warn({ event: `${name}-unavailable`, err: error }, `${label} discovery failed`)
      return reply.redirect(toLogin(`${name}-unavailable`))
    }
    reply.setCookie(transactionCookieName, Buffer.from(JSON.stringify(started.transaction)).toString('base64url'), { ...transactionCookie, maxAge: 600 })
    return reply.redirect(started.url)
  })

  app.get(`${path}/callback`, {
    config: { access: 'none' },
    schema: { tags: ['session'], summary: `Where ${label} sends the browser back after login`, response: { 302: z.null() } },
  }, async (request, reply) => {
    if (!rp) return reply.redirect(toLogin(`${name}-not-configured`))
    const transaction = transactionOf(request.cookies[transactionCookieName])
    reply.clearCookie(transactionCookieName, transactionCookie) // one use
    if (!transaction) {
      request.log.info({ event: `${name}-login-failed`, reason: 'no login under way in this browser' }, `${label} login failed`)
      return reply.redirect(toLogin(`${name}-login-failed`))
    }
    const finished = await rp.finish(request.url, transaction)
    if ('failure' in finished) {
      request.log.info({ event: `${name}-login-failed`, reason: finished.reason }, `${label} login failed`)
      return reply.redirect(toLogin(finished.failure))
    }
    const opened = await profile.logIn(credentials, finished, options.sessionTtlMs)
    if ('refused' in opened) {
      request.log.info({ event: `${name}-login-refused`, reason: opened.refused, ...profile.logged(finished.identity) }, `${label} login refused`)
      return reply.redirect(toLogin(opened.refused))
    }
    if ('choice' in opened) {
      if (profile.choose) return profile.choose(reply, opened.choice, transaction.returnTo)
      request.log.info({ event: `${name}-login-refused`, reason: 'tenant choice' }, `${label} login refused`)
      return reply.redirect(toLogin(`${name}-login-failed`))
    }
    request.log.info({ event: `${name}-login`, username: opened.username, ...profile.logged(finished.identity) }, `${label} login`)
    // a fresh login (before emergency access) replaces the browser's session: the older one, with its older auth_time, is over
    await endPreviousSession(request, credentials, options.streams)
    setSessionCookie(reply, opened.token, secureCookies, options.sessionTtlMs)
    return reply.redirect(transaction.returnTo)
  })

  app.post(`${path}/logout`, {
    config: { access: 'none' },
    schema: {
      tags: ['session'],
      summary: `Log out here and at ${label}: ends the session and answers where to send the browser (the provider's end-session URL, or null)`,
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
      try { redirectTo = await rp.endSessionUrl(idToken, originOf(request)) } catch (error) { request.log.warn({ event: `${name}-unavailable`, err: error }, `${label} discovery failed at logout`) }
    }
    return { redirectTo }
  })
}

/** The browser's session before this login, ended (a login replaces it). */
export async function endPreviousSession(request: FastifyRequest, credentials: Credentials, streams: SessionStreams): Promise<void> {
  const previous = request.cookies[SESSION_COOKIE]
  if (previous) {
    await credentials.logOut(previous)
    streams.endSession(previous)
  }
}
