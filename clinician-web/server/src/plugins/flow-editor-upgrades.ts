import { findSessionUser, type Queryable } from '@varde/db'
import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { createAccess } from '../access/access.js'
import { staffActor } from '../access/actor.js'
import { accessFailureCode } from '../access/service-access.js'
import { FLOW_EDITOR_PATH, type FlowEditorHost } from '../routes/flow-editor.js'
import { SESSION_COOKIE } from './auth.js'

const COMMS_PATH = `${FLOW_EDITOR_PATH}/comms`

/**
 * The editor's WebSocket (`/flows/comms`) passes no Fastify hook, so it is
 * held to the same door here: a session cookie of an administrator of the
 * flows' tenant, from a page of this origin (a cross-site page would ride
 * the cookie otherwise). Any other upgrade is left to the server's other
 * listeners (MQTT over WebSocket at /mqtt).
 */
export function guardFlowEditorUpgrades(app: FastifyInstance, db: Queryable, host: FlowEditorHost, mode: 'demo' | 'production'): () => void {
  const refuse = (socket: Duplex, status: 401 | 403) => {
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  }
  const check = async (request: IncomingMessage): Promise<401 | 403 | null> => {
    const origin = request.headers.origin
    if (origin !== undefined && new URL(origin).host !== request.headers.host) return 403
    const token = app.parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE]
    const user = token ? await findSessionUser(db, token) : null
    if (!user || (mode === 'production' && user.isDemo)) return 401
    const access = createAccess(db, staffActor(user), () => ({ method: 'GET', route: COMMS_PATH }))
    try {
      await access.flows.requireEditor(host.tenantId, false)
      return null
    } catch (error) {
      if (accessFailureCode(error) === 'forbidden') return 403
      throw error
    }
  }
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((request.url ?? '').split('?')[0] !== COMMS_PATH) return
    check(request).then((refusal) => {
      if (refusal) refuse(socket, refusal)
      else host.upgrade(request, socket, head)
    }, (error: unknown) => {
      app.log.error({ err: error, event: 'flows-upgrade-failed' }, 'the flow editor\'s WebSocket could not be checked')
      socket.destroy()
    })
  }
  app.server.on('upgrade', onUpgrade)
  return () => app.server.off('upgrade', onUpgrade)
}
