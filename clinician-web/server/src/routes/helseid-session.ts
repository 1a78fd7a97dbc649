import { chooseTenantBody, errorBody, tenantChoiceSchema } from '@varde/api-contract'
import type { HelseIdIdentity } from '@varde/helseid'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createCredentials } from '../access/credentials.js'
import { ERRORS } from '../errors/api-errors.js'
import type { HelseIdFailure } from '../oidc/providers.js'
import { endPreviousSession, registerLoginRoutes, type LoginRouteOptions } from '../oidc/session-routes.js'
import { setSessionCookie } from './session.js'

/** A person who is a user in several tenants picks one here after login (docs/decisions/0026). */
const CHOICE_COOKIE = 'varde_tenant_choice'
const CHOICE_PATH = '/api/session/tenant-choice'

export interface HelseIdRouteOptions extends LoginRouteOptions<HelseIdIdentity, HelseIdFailure> {
  /** Patients may log in with ID-porten (routes/idporten-session.ts): the login page offers it. */
  hasIdPorten?: boolean
}

/**
 * Login with HelseID (issue 24; docs/decisions/0021): the provider's routes
 * (oidc/session-routes.ts; null relying party: VARDE_OIDC_* not set), the
 * login page's options, and the tenant choice of a person who is a user in
 * several tenants.
 */
export const helseIdSessionRoutes: FastifyPluginAsyncZod<HelseIdRouteOptions> = async (app, options) => {
  const { relyingParty: rp, secureCookies } = options
  const credentials = createCredentials(options.db, options.mode)
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

  await registerLoginRoutes(app, options, {
    name: 'helseid', label: 'HelseID', home: '/', freshLogin: true,
    startSummary: 'Log in with HelseID: redirects to the provider (maxAge: a fresh login no older than this many seconds, before emergency access)',
    logIn: (c, finished, ttlMs) => c.logInWithHelseId(finished, ttlMs),
    logged: (identity) => ({ securityLevel: identity.securityLevel }),
    // a user in several tenants: no session until they pick one, on the portal's page
    choose: (reply, choice, returnTo) => reply
      .setCookie(CHOICE_COOKIE, choice, { ...choiceCookie, maxAge: 300 })
      .redirect(`/choose-tenant?${new URLSearchParams({ returnTo })}`),
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
    await endPreviousSession(request, credentials, options.streams)
    request.log.info({ event: 'helseid-login', username: opened.username, tenantChosen: request.body.tenantId }, 'HelseID login, tenant chosen')
    setSessionCookie(reply, opened.token, secureCookies, options.sessionTtlMs)
    return reply.code(204).send(null)
  })
}
