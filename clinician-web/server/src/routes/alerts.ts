import {
  ALERT_OUTCOMES, acknowledgeAlert, addAlertNote, assignAlert, findAlertWithHistory, listAlerts, recordAccesses, resolveAlert,
  type AlertActionFailure, type AlertActionResult, type AlertActor, type AlertRecord, type Queryable,
} from '@varde/db'
import { INTERNAL_TOPICS, type AlertChange, type AlertChangedEvent } from '@varde/domain'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { alertSchema, alertWithHistorySchema, preferredLanguage, toAlertView, toAlertWithHistoryView } from '../alert-view.js'
import type { LiveEvents } from '../live-events.js'
import { errorBody, storableText, uuidParam } from '../input-schemas.js'
import { requireUser, userOf } from '../plugins/auth.js'

const statusSchema = z.enum(['open', 'acknowledged', 'resolved'])
const params = z.object({ id: uuidParam })

const FAILURES: Record<AlertActionFailure, { status: 400 | 404 | 409; message: string }> = {
  'not-found': { status: 404, message: 'Fant ikke varselet.' },
  'already-acknowledged': { status: 409, message: 'Varselet er allerede kvittert ut.' },
  'already-resolved': { status: 409, message: 'Varselet er allerede avsluttet.' },
  'invalid-assignee': { status: 400, message: 'Brukeren finnes ikke eller gir ikke pasienten helsehjelp.' },
}
const notFound = { error: { code: 'not-found', message: FAILURES['not-found'].message } }

const actorOf = (request: FastifyRequest): AlertActor => {
  const u = userOf(request)
  return { tenantId: u.tenantId, userId: u.userId, username: u.username }
}
const languageOf = (request: FastifyRequest) => preferredLanguage(request.headers['accept-language'])

/**
 * The alert inbox and a nurse's actions on an alert: acknowledge (*kvitter
 * ut*), assign, resolve (*avslutt*) with what was done, add a note. Reads are
 * written to the access log here; each action writes its own entry in the
 * same statement as the change (packages/db alerts.ts). After a change the
 * server announces it on `INTERNAL_TOPICS.alertsChanged`, from which every
 * server instance pushes it to the portals that may see it.
 */
export const alertRoutes: FastifyPluginAsyncZod<{ db: Queryable; live: LiveEvents }> = async (app, { db, live }) => {
  app.addHook('preHandler', requireUser)

  /** The database has the change; a lost event only delays other screens until they resync. */
  const announce = async (request: FastifyRequest, alert: AlertRecord, change: AlertChange) => {
    const event: AlertChangedEvent = {
      tenantId: actorOf(request).tenantId, patientId: alert.patientId, alertId: alert.id, change,
      revision: alert.revision, severity: alert.severity, status: alert.status, at: alert.updatedAt.toISOString(),
    }
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
    const sent = live.publish(INTERNAL_TOPICS.alertsChanged, JSON.stringify(event)).then(() => 'sent' as const, () => 'failed' as const)
    const result = await Promise.race([sent, timeout])
    if (result !== 'sent') request.log.warn({ event: 'alert-change-not-announced', alertId: alert.id, result }, 'alert change not announced over MQTT')
  }

  const answer = async (request: FastifyRequest, reply: FastifyReply, result: AlertActionResult, change: AlertChange) => {
    if (!result.ok) {
      const failure = FAILURES[result.code]
      return reply.code(failure.status).send({ error: { code: result.code, message: failure.message } })
    }
    await announce(request, result.alert, change)
    return reply.send(toAlertView(result.alert, languageOf(request)))
  }
  const actionResponses = { 200: alertSchema, 400: errorBody, 404: errorBody, 409: errorBody }

  app.get('/api/alerts', {
    schema: {
      tags: ['alerts'],
      summary: 'The caller\'s alerts: red before yellow, oldest first',
      description: 'Only alerts of patients the caller gives care to. `status` may repeat; without it, the unresolved ones (open and acknowledged).',
      querystring: z.object({
        status: z.union([statusSchema, z.array(statusSchema)]).optional(),
        patientId: z.guid().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(500),
      }),
      response: { 200: z.object({ items: z.array(alertSchema) }) },
    },
  }, async (request) => {
    const u = userOf(request)
    const q = request.query
    const statuses = q.status === undefined ? ['open' as const, 'acknowledged' as const] : Array.isArray(q.status) ? q.status : [q.status]
    const alerts = await listAlerts(db, { tenantId: u.tenantId, userId: u.userId, statuses, patientId: q.patientId, limit: q.limit })
    const entry = { tenantId: u.tenantId, actorUserId: u.userId, actor: u.username, action: 'list', resourceType: 'Alert', outcome: 'allowed' as const }
    await recordAccesses(db, alerts.length === 0
      ? [{ ...entry, patientId: q.patientId ?? null, details: { count: 0, statuses } }]
      : alerts.map((a) => ({ ...entry, resourceId: a.id, patientId: a.patientId })))
    const language = languageOf(request)
    return { items: alerts.map((a) => toAlertView(a, language)) }
  })

  app.get('/api/alerts/:id', {
    schema: {
      tags: ['alerts'], summary: 'One alert with its history (findings, actions, notes), oldest first',
      params, response: { 200: alertWithHistorySchema, 404: errorBody },
    },
  }, async (request, reply) => {
    const u = userOf(request)
    const alert = await findAlertWithHistory(db, { tenantId: u.tenantId, userId: u.userId, alertId: request.params.id })
    await request.audit({ action: 'read', resourceType: 'Alert', resourceId: request.params.id, patientId: alert?.patientId ?? null, outcome: alert ? 'allowed' : 'denied' })
    if (!alert) return reply.code(404).send(notFound)
    return toAlertWithHistoryView(alert, languageOf(request))
  })

  app.post('/api/alerts/:id/acknowledge', {
    schema: {
      tags: ['alerts'], summary: 'Acknowledge (kvitter ut) an open alert: the caller is on it',
      description: '409 `already-acknowledged` or `already-resolved` when the alert is no longer open.',
      params, body: z.object({}).optional(), response: actionResponses,
    },
  }, async (request, reply) => answer(request, reply, await acknowledgeAlert(db, actorOf(request), request.params.id), 'acknowledged'))

  app.post('/api/alerts/:id/assign', {
    schema: {
      tags: ['alerts'], summary: 'Make a user responsible for an unresolved alert (`userId: null` unassigns)',
      description: 'The user must be of the same tenant and give the patient care (400 `invalid-assignee`).',
      params, body: z.object({ userId: z.guid().nullable() }), response: actionResponses,
    },
  }, async (request, reply) => answer(request, reply, await assignAlert(db, actorOf(request), request.params.id, request.body.userId), 'assigned'))

  app.post('/api/alerts/:id/resolve', {
    schema: {
      tags: ['alerts'], summary: 'Resolve (avslutt) an open or acknowledged alert, saying what was done',
      description: '409 `already-resolved` when it is resolved already.',
      params,
      body: z.object({ outcome: z.enum(ALERT_OUTCOMES), note: storableText(2000, { trim: true }).optional() }),
      response: actionResponses,
    },
  }, async (request, reply) => {
    const { outcome, note } = request.body
    return answer(request, reply, await resolveAlert(db, actorOf(request), request.params.id, { outcome, note: note || null }), 'resolved')
  })

  app.post('/api/alerts/:id/notes', {
    schema: {
      tags: ['alerts'], summary: 'Add a note to an alert\'s history (also after it is resolved)',
      params, body: z.object({ text: storableText(2000, { trim: true, min: 1 }) }), response: actionResponses,
    },
  }, async (request, reply) => answer(request, reply, await addAlertNote(db, actorOf(request), request.params.id, request.body.text), 'noted'))
}
