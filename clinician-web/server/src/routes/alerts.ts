import type { AlertChange } from '../access/alerts.js'
import { acknowledgeBody, alertListSchema, alertQuerySchema, alertSchema, alertWithHistorySchema, assignBody, errorBody, idParams, noteBody, resolveBody } from '@varde/api-contract'
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
 * action writes its own entry in the same statement as the change, and its
 * event for `INTERNAL_TOPICS.alertsChanged` in the outbox (migration 0011),
 * from which every server instance pushes it to the portals that may see it.
 */
export const alertRoutes: FastifyPluginAsyncZod<{ live: LiveEvents }> = async (app, { live }) => {
  app.addHook('preHandler', requireUser)

  const answer = async (request: FastifyRequest, change: AlertChange) => {
    await announceAlertChange(request, live, change)
    return toAlertView(change.alert, languageOf(request))
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
  }, async (request) => answer(request, await accessOf(request).alerts.acknowledge(request.params.id)))

  app.post('/api/alerts/:id/assign', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Make a user responsible for an unresolved alert (`userId: null` unassigns)',
      description: 'The user must be of the same tenant and give the patient care (400 `invalid-assignee`).',
      params, body: assignBody, response: actionResponses,
    },
  }, async (request) => answer(request, await accessOf(request).alerts.assign(request.params.id, request.body.userId)))

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
    return answer(request, await accessOf(request).alerts.resolve(request.params.id, { outcome, note: note || null }))
  })

  app.post('/api/alerts/:id/notes', {
    config: { access: 'patient' },
    schema: {
      tags: ['alerts'], summary: 'Add a note to an alert\'s history (also after it is resolved)',
      params, body: noteBody, response: actionResponses,
    },
  }, async (request) => answer(request, await accessOf(request).alerts.note(request.params.id, request.body.text)))
}

/**
 * The change and its event are in the database (one statement); the event is published here at once and, if
 * the broker does not take it, by an outbox relay later: no change goes unannounced (issue 15).
 */
export async function announceAlertChange(request: FastifyRequest, live: LiveEvents, change: AlertChange): Promise<void> {
  const publish = async (topic: string, payload: string) => {
    if (!(await live.announce(topic, payload, request.log, { event: 'alert-change-not-announced', alertId: change.alert.id }))) {
      throw new Error('not announced; left in the outbox')
    }
  }
  // the answer does not wait on a failed cleanup: the event is published again when its claim runs out
  await accessOf(request).alerts.announce(change, publish)
    .catch((error: unknown) => request.log.warn({ err: error, event: 'alert-event-not-settled', alertId: change.alert.id }, 'alert event left in the outbox'))
}
