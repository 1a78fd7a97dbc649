import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ERRORS, errorAnswer } from '../errors/api-errors.js'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Refuses a state-changing request that a browser sent from another origin
 * (cross-site request forgery; issue 14), on top of the session cookie's
 * SameSite=Strict. The browser's own word decides: `Sec-Fetch-Site` when it
 * sends one, else `Origin` against the request's Host or the portal's public
 * URL (VARDE_PUBLIC_URL: behind a proxy the Host may be the upstream's). A
 * request with neither comes from no browser (curl, an integration) and is
 * let through; so is one with a Bearer token, which no page of another origin
 * can add (the server allows no CORS) and which is not the cookie. The same
 * rule as Go's net/http CrossOriginProtection.
 */
export const sameOriginGuard = fp<{ publicUrl?: string | undefined }>(async (app, { publicUrl }) => {
  const trustedOrigins = new Set(publicUrl ? [new URL(publicUrl).origin] : [])
  app.addHook('onRequest', async (request, reply) => {
    if (!STATE_CHANGING.has(request.method) || request.headers.authorization?.startsWith('Bearer ')) return
    if (isSameOrigin(request, trustedOrigins)) return
    request.log.info({ event: 'cross-origin-refused', method: request.method, route: request.routeOptions.url }, 'cross-origin request refused')
    return refuse(reply)
  })
}, { name: 'varde-same-origin' })

function isSameOrigin(request: FastifyRequest, trustedOrigins: Set<string>): boolean {
  const origin = request.headers.origin
  if (origin !== undefined && trustedOrigins.has(origin)) return true
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  if (origin === undefined) return true
  try {
    return new URL(origin).host === request.host
  } catch {
    return false // `null` (a sandboxed frame, a redirect across sites) or nonsense
  }
}

function refuse(reply: FastifyReply) {
  const error = new ERRORS.crossOrigin()
  return reply.code(error.statusCode).send(errorAnswer(error))
}
