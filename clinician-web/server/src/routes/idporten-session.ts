import type { CitizenIdentity } from '@varde/helseid'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { registerLoginRoutes, type LoginRouteOptions } from '../oidc/session-routes.js'

/** null relying party: ID-porten login is not configured (VARDE_IDPORTEN_*); the routes say so. */
export type IdPortenRouteOptions = LoginRouteOptions<CitizenIdentity, 'idporten-login-failed'>

/**
 * Patients log in with ID-porten (issue 25; docs/decisions/0039), the way
 * staff log in with HelseID (oidc/session-routes.ts): the callback finds the
 * patient user whose patient the national id names and opens her session on
 * her own page (docs/decisions/0031). The log says the level, never the id.
 */
export const idPortenSessionRoutes: FastifyPluginAsyncZod<IdPortenRouteOptions> = (app, options) => registerLoginRoutes(app, options, {
  name: 'idporten', label: 'ID-porten', home: '/min-side', freshLogin: false,
  startSummary: 'Log in with ID-porten (patients): redirects to the provider',
  logIn: (c, finished, ttlMs) => c.logInWithIdPorten(finished, ttlMs),
  logged: (identity) => ({ level: identity.level }),
})
