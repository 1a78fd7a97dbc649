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
  app.addHook('preHandler', async (request) => accessOf(request).flows.requireEditor(host.tenantId))
  for (const url of [FLOW_EDITOR_PATH, `${FLOW_EDITOR_PATH}/*`]) {
    app.route({
      method: METHODS, url, config: { access: 'admin' }, schema: { hide: true },
      handler: async (request, reply) => {
        // Node-RED answers on the raw response; Fastify sends nothing more
        reply.hijack()
        host.handle(request.raw, reply.raw, userOf(request).username)
      },
    })
  }
}
