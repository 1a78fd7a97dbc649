import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ClientCredentials } from '../access/client-credentials.js'
import { apiCodeOf, isApiFailure } from '../errors/api-errors.js'
import { outcomeOf } from './operation-outcome.js'
import { baseUrl, sendResource } from './reply.js'

const formText = z.string().max(8192).optional()
const tokenForm = z.object({ grant_type: formText, scope: formText, client_assertion_type: formText, client_assertion: formText })

/**
 * SMART Backend Services (SMART App Launch 2.x; docs/decisions/0038): the
 * discovery document and the token endpoint where a registered system trades
 * a signed assertion (private_key_jwt) for a short access token. Public (the
 * assertion is the credential); refusals as RFC 6749 §5.2 says (`error`,
 * `error_description`), or as an OperationOutcome to a caller that accepts
 * `application/fhir+json`.
 */
export const smartRoutes: FastifyPluginAsyncZod<{ clients: ClientCredentials }> = async (app, { clients }) => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.setErrorHandler((error, request, reply) => {
    const { status, outcome, isUnforeseen } = outcomeOf(error as Error)
    if (isUnforeseen) request.log.error({ err: error }, 'token request failed')
    reply.header('cache-control', 'no-store')
    if (/application\/fhir\+json/.test(request.headers.accept ?? '')) return sendResource(reply, status, outcome)
    const code = isApiFailure(error) ? apiCodeOf(error) : status >= 500 ? 'server-error' : 'invalid-request'
    return reply.code(status).send({ error: code.replace(/-/g, '_'), error_description: (outcome.issue[0]?.diagnostics ?? '').slice(0, 300) })
  })

  app.get('/.well-known/smart-configuration', { config: { access: 'none' }, schema: { hide: true } }, async (request) => ({
    token_endpoint: `${baseUrl(request)}/auth/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    grant_types_supported: ['client_credentials'],
    scopes_supported: ['system/*.read', 'system/Patient.read', 'system/Observation.read', 'system/Device.read', 'system/CareTeam.read', 'system/Practitioner.read', 'system/Organization.read'],
    capabilities: ['client-confidential-asymmetric'],
  }))

  app.post('/auth/token', {
    config: { access: 'none', rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { hide: true, body: tokenForm },
  }, async (request, reply) => {
    const { answer, clientId } = await clients.issue(request.body, `${baseUrl(request)}/auth/token`, { ip: request.ip })
    request.log.info({ clientId, scope: answer.scope }, 'fhir client token issued')
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer)
  })
}
