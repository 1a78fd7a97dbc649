import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyPluginAsync } from 'fastify'
import { accessOf, requireUser, userOf } from '../plugins/auth.js'

/**
 * The embedded Node-RED as the server sees it (flows/, docs/decisions/0020):
 * an Express app that answers its editor and admin API under `/flows`, and
 * its editor's WebSocket (`/flows/comms`), for one tenant.
 */
export interface FlowEditorHost {
  tenantId: string
  /** Node-RED's Express app: reads the request's body itself. */
  handle(request: IncomingMessage, response: ServerResponse, who: string): void
  /** An upgrade to `/flows/comms`, already let through by the server (plugins/flow-editor-upgrades.ts). */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
}

export const FLOW_EDITOR_PATH = '/flows'

/**
 * The editor's CSP in place of the portal's: Node-RED's editor inserts the
 * palette's node definitions as inline scripts and styles and evaluates code
 * (its code editor, its diagrams), so those are allowed here, only here;
 * everything still comes from this origin, and nobody may frame it.
 */
export const FLOW_EDITOR_CSP = [
  "default-src 'self'", "script-src 'self' 'unsafe-inline' 'unsafe-eval'", "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:", "font-src 'self' data:", "worker-src 'self' blob:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ')
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']

/**
 * `/flows/` behind Varde's login (platform-contract.md): 401 without a
 * session, 403 for anyone but an administrator of the flows' tenant, then
 * the request is handed, unread, to Node-RED. Routes rather than a
 * middleware, so that they declare their access and the access-door test
 * walks them like every other route.
 */
export const flowEditorRoutes: FastifyPluginAsync<{ host: FlowEditorHost }> = async (app, { host }) => {
  // Node-RED parses its own bodies (JSON flows, form posts): Fastify leaves the stream unread
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))
  app.addHook('preHandler', requireUser)
  app.addHook('preHandler', async (request) => accessOf(request).flows.requireEditor(host.tenantId, request.method !== 'GET' && request.method !== 'HEAD'))
  for (const url of [FLOW_EDITOR_PATH, `${FLOW_EDITOR_PATH}/*`]) {
    app.route({
      method: METHODS, url, config: { access: 'admin' }, schema: { hide: true },
      handler: async (request, reply) => {
        // Node-RED answers on the raw response; Fastify sends nothing more (the headers set so far stay)
        reply.hijack()
        reply.raw.setHeader('content-security-policy', FLOW_EDITOR_CSP)
        reply.raw.setHeader('cache-control', 'no-store')
        host.handle(request.raw, reply.raw, userOf(request).username)
      },
    })
  }
}
