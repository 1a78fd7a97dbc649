import fastifyHelmet from '@fastify/helmet'
import fp from 'fastify-plugin'

/**
 * Security headers on every answer (issue 14), with @fastify/helmet. The CSP
 * is the portal's: Vite's build is hashed module scripts and stylesheets from
 * the same origin, React sets inline styles through the CSSOM (which CSP
 * allows), so nothing inline needs allowing; the live events and MQTT over
 * WebSocket are same-origin too. No one may frame the portal (clickjacking),
 * and no URL (they name patients) leaves in a Referer.
 *
 * HSTS only when the request came over TLS as far as the server can tell
 * (its own, or `X-Forwarded-Proto: https` from a proxy trusted with
 * VARDE_TRUST_PROXY): over plain HTTP a browser ignores it (RFC 6797 §8.1),
 * and a demo on localhost must not be pinned to HTTPS.
 */
export const PORTAL_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
}
const HSTS = 'max-age=31536000; includeSubDomains'

export const securityHeaders = fp(async (app) => {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: PORTAL_CSP },
    hsts: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // the portal loads nothing from other origins, and nothing of it is meant for them
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
  })
}, { name: 'varde-security-headers' })
