import { auditRoutes } from './audit-routes.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ERRORS } from '../errors/api-errors.js'
import { capabilityStatement } from './capability-statement.js'
import { careTeamRoutes } from './care-team-routes.js'
import { outcomeOf } from './operation-outcome.js'
import { readRoutes } from './read-routes.js'
import { baseUrl, sendResource } from './reply.js'
import { capabilityStatementSchema, refusals } from './response-schemas.js'
import { withEtag } from './etag.js'
import { checkParameters, elementsOf, trimmed } from './search-controls.js'
import { searchRoutes } from './search-routes.js'
import { lastnRoute } from './lastn-route.js'
import { directoryRoutes } from './directory-routes.js'
import { smartRoutes } from './smart-routes.js'
import { checkScopes, grantScopes } from './client-scopes.js'
import type { ClientCredentials } from '../access/client-credentials.js'

/**
 * FHIR R4 read API (platform-contract.md "FHIR R4"), registered under the
 * prefix `/fhir`: the public CapabilityStatement and the protected reads and
 * searches are sibling contexts (STYLE.md "Encapsulation is the boundary"),
 * so a route is protected by where it is registered, never by its URL. Every
 * read goes through the access layer (access/fhir-reads.ts, searches.ts,
 * patients.ts), which checks the care relationship and writes the access
 * log. Every refusal, malformed parameters included, is an OperationOutcome
 * built from the API's error registry (operation-outcome.ts).
 */
export const fhirRoutes: FastifyPluginAsyncZod<{ clients: ClientCredentials }> = async (app, { clients }) => {
  app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.setErrorHandler((error, request, reply) => {
    const { status, outcome, isUnforeseen } = outcomeOf(error as Error)
    if (isUnforeseen) request.log.error({ err: error }, 'FHIR request failed')
    return sendResource(reply, status, outcome)
  })
  app.setNotFoundHandler(() => { throw new ERRORS.fhirNoEndpoint() })

  await app.register(publicRoutes)
  await app.register(smartRoutes, { clients })
  await app.register(async (secured) => {
    // _elements per request, read before the handler so a malformed one is refused, not half applied
    const elementsAsked = new WeakMap<object, string[]>()
    secured.addHook('preHandler', async (request) => {
      // a system's Bearer token (SMART Backend Services) where no user's session is: the same door, as a client actor
      const bearer = request.headers.authorization?.startsWith('Bearer ') ? request.headers.authorization.slice(7).trim() : ''
      if (!request.access && bearer) {
        const client = await clients.accessOf(bearer, () => ({ method: request.method, route: request.routeOptions.url }), { ip: request.ip })
        if (client) {
          request.access = client.access
          grantScopes(request, client.scopes)
        }
      }
      if (!request.access) throw new ERRORS.fhirLoginRequired()
      checkScopes(request)
      checkParameters(request)
      const elements = elementsOf(request)
      if (elements) elementsAsked.set(request, elements)
    })
    // after the response schema has checked the whole resource: _elements trims what was checked
    secured.addHook('onSend', async (request, reply, payload) => {
      const elements = elementsAsked.get(request)
      if (!elements || reply.statusCode !== 200 || typeof payload !== 'string') return payload
      return JSON.stringify(trimmed(JSON.parse(payload) as Record<string, unknown>, elements))
    })
    // a read's ETag, and 304 for a client that has it (R4 http.html#read, #versioning)
    secured.addHook('onSend', async (request, reply, payload) => withEtag(request, reply, payload))
    await secured.register(readRoutes)
    await secured.register(searchRoutes)
    await secured.register(lastnRoute)
    await secured.register(careTeamRoutes)
    await secured.register(auditRoutes)
    await secured.register(directoryRoutes)
  })
}

const publicRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/metadata', {
    config: { access: 'none' }, schema: { hide: true, response: { 200: capabilityStatementSchema, ...refusals } },
  }, async (request, reply) => sendResource(reply, 200, capabilityStatement(baseUrl(request))))
}
