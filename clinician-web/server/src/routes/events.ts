import { accessiblePatientIds, findAlert, type Queryable } from '@varde/db'
import type { FastifyPluginAsync } from 'fastify'
import { preferredLanguage, toAlertView } from '../alert-view.js'
import type { LiveEvents } from '../live-events.js'
import { requireUser, userOf } from '../plugins/auth.js'

/**
 * Server-Sent Events for live pages: `measurement` events for the patients the
 * caller may see (access re-checked every minute), `alert` events with the
 * alert as `GET /api/alerts` shows it (read for this caller, so the care
 * relationship is checked again for each), heartbeats as comments.
 */
export const eventRoutes: FastifyPluginAsync<{ db: Queryable; live: LiveEvents }> = async (app, { db, live }) => {
  app.get('/api/events', { preHandler: requireUser, schema: { tags: ['events'], summary: 'Live events (text/event-stream)' } }, async (request, reply) => {
    const u = userOf(request)
    let allowed = await accessiblePatientIds(db, u.tenantId, u.userId)
    await request.audit({ action: 'subscribe', resourceType: 'EventStream', outcome: 'allowed', details: { patients: allowed.size } })
    reply.hijack()
    const res = reply.raw
    // each event is one small write that should leave now, not wait for the client's delayed ACK (Nagle)
    request.raw.socket.setNoDelay(true)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.write(': connected\n\n')
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    const unsubscribe = live.onMeasurements((e) => {
      if (e.tenantId !== u.tenantId || !allowed.has(e.patientId)) return
      send('measurement', { patientId: e.patientId, readings: e.readings })
    })
    const language = preferredLanguage(request.headers['accept-language'])
    let isClosed = false
    // one alert read at a time, so this stream sends changes in the order they were announced
    let alertQueue = Promise.resolve()
    const unsubscribeAlerts = live.onAlertChanged((e) => {
      if (e.tenantId !== u.tenantId || !allowed.has(e.patientId)) return
      alertQueue = alertQueue.then(async () => {
        if (isClosed) return
        const alert = await findAlert(db, { tenantId: u.tenantId, userId: u.userId, alertId: e.alertId })
        if (alert && !isClosed) send('alert', { alert: toAlertView(alert, language) })
      }).catch((error: unknown) => request.log.warn({ err: error, alertId: e.alertId }, 'live alert not sent'))
    })
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000)
    const refresh = setInterval(() => {
      accessiblePatientIds(db, u.tenantId, u.userId).then((ids) => { allowed = ids }, () => {})
    }, 60_000)
    request.raw.on('close', () => {
      isClosed = true
      unsubscribe()
      unsubscribeAlerts()
      clearInterval(heartbeat)
      clearInterval(refresh)
    })
  })
}
