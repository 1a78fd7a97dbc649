import type { AlertRecord } from '../access/types.js'
import { acknowledgeBody, alertListSchema, alertQuerySchema, alertSchema, alertWithHistorySchema, assignBody, errorBody, idParams, noteBody, resolveBody } from '@varde/api-contract'
import { alertChangedEvent, INTERNAL_TOPICS, type AlertChange } from '@varde/domain'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { preferredLanguage, toAlertView, toAlertWithHistoryView } from '../alert-view.js'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser } from '../plugins/auth.js'

const params = idParams

const languageOf = (request: FastifyRequest) => preferredLanguage(request.headers['accept-language'])

/**
 * The alert inbox and a nurse's actions on an alert: acknowledge (*kvitter
 * ut*), assign, resolve (*avslutt*) with what was done, add a note. Reads are
 * written to the access log by the access layer (access/alerts.ts); each
 * action writes its own entry in the same statement as the change. After a change the
 * server announces it on `INTERNAL_TOPICS.alertsChanged`, from which every
 * server instance pushes it to the portals that may see it.
 */
export const alertRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)

  /** The database has the change; a lost event only delays other screens until they resync. */
  const announce = async (request: FastifyRequest, alert: AlertRecord, change: AlertChange) => {
    const event = alertChangedEvent({
      tenantId: accessOf(request).actor.tenantId, patientId: alert.patientId, alertId: alert.id, change,
      revision: alert.revision, severity: alert.severity, status: alert.status, at: alert.updatedAt,
    })
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref())
    const sent = live.publish(INTERNAL_TOPICS.alertsChanged, JSON.stringify(event)).then(() => 'sent' as const, () => 'failed' as const)
    const result = await Promise.race([sent, timeout])
    if (result !== 'sent') request.log.warn({ event: 'alert-change-not-announced', alertId: alert.id, result }, 'alert change not announced over MQTT')
  }

  const answer = async (request: FastifyRequest, alert: AlertRecord, change: AlertChange) => {
    await announce(request, alert, change)
    return toAlertView(alert, languageOf(request))
  }
  const actionResponses = { 200: alertSchema, 400: errorBody, 404: errorBody, 409: errorBody }

  app.get('/api/alerts', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'],
      summary: 'The caller\'s alerts: red before yellow, oldest first',
      description: 'Only alerts of patients the caller gives care to. `status` may repeat; without it, the unresolved ones (open and acknowledged).',
      querystring: alertQuerySchema,
      response: { 200: alertListSchema },
    },
  }, async (request) => {
    const q = request.query
    const statuses = q.status === undefined ? ['open' as const, 'acknowledged' as const] : Array.isArray(q.status) ? q.status : [q.status]
    const alerts = await accessOf(request).alerts.list({ statuses, patientId: q.patientId, limit: q.limit })
    const language = languageOf(request)
    return { items: alerts.map((a) => toAlertView(a, language)) }
  })

  app.get('/api/alerts/:id', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'One alert with its history (findings, actions, notes), oldest first',
      params, response: { 200: alertWithHistorySchema, 404: errorBody },
    },
  }, async (request) => toAlertWithHistoryView(await accessOf(request).alerts.read(request.params.id), languageOf(request)))

  app.post('/api/alerts/:id/acknowledge', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Acknowledge (kvitter ut) an open alert: the caller is on it',
      description: '409 `already-acknowledged` or `already-resolved` when the alert is no longer open.',
      params, body: acknowledgeBody, response: actionResponses,
    },
  }, async (request) => answer(request, await accessOf(request).alerts.acknowledge(request.params.id), 'acknowledged'))

  app.post('/api/alerts/:id/assign', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Make a user responsible for an unresolved alert (`userId: null` unassigns)',
      description: 'The user must be of the same tenant and give the patient care (400 `invalid-assignee`).',
      params, body: assignBody, response: actionResponses,
    },
  }, async (request) => answer(request, await accessOf(request).alerts.assign(request.params.id, request.body.userId), 'assigned'))

  app.post('/api/alerts/:id/resolve', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Resolve (avslutt) an open or acknowledged alert, saying what was done',
      description: '409 `already-resolved` when it is resolved already.',
      params,
      body: resolveBody,
      response: actionResponses,
    },
  }, async (request) => {
    const { outcome, note } = request.body
    return answer(request, await accessOf(request).alerts.resolve(request.params.id, { outcome, note: note || null }), 'resolved')
  })

  app.post('/api/alerts/:id/notes', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Add a note to an alert\'s history (also after it is resolved)',
      params, body: noteBody, response: actionResponses,
    },
  }, async (request) => answer(request, await accessOf(request).alerts.note(request.params.id, request.body.text), 'noted'))
}
