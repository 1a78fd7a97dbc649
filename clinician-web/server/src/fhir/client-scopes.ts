import type { FastifyRequest } from 'fastify'
import { scopesAllow } from '../access/client-credentials.js'
import { ERRORS } from '../errors/api-errors.js'

/**
 * What a machine client's token lets it do (SMART scopes, docs/decisions/0038):
 * a route of a type the scopes do not cover is a 403, and `_include`d or
 * `_revinclude`d resources of such a type are left out. A user's session has
 * no scopes: its care relationship alone decides, as before.
 */
const granted = new WeakMap<FastifyRequest, readonly string[]>()

export const grantScopes = (request: FastifyRequest, scopes: readonly string[]) => { granted.set(request, scopes) }

/** Whether the caller may read (`r`) or search (`s`) this type: always for a user, by its scopes for a client. */
export function mayUse(request: FastifyRequest, resourceType: string, interaction: 'r' | 's' = 's'): boolean {
  const scopes = granted.get(request)
  return scopes === undefined || scopesAllow(scopes, resourceType, interaction)
}

/** Refuses a client's call to a route its scopes do not cover (`/fhir/{Type}` is a search, `/fhir/{Type}/:id` a read). */
export function checkScopes(request: FastifyRequest): void {
  const m = /^\/fhir\/([A-Za-z]+)(\/:id)?$/.exec(request.routeOptions.url ?? '')
  if (!m) return
  if (!mayUse(request, m[1]!, m[2] ? 'r' : 's')) throw new ERRORS.fhirScopeForbidden(`${m[2] ? 'a read' : 'a search'} of ${m[1]}`)
}
