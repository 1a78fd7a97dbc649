import type { FastifyPluginAsync } from 'fastify'
import { preferredLanguage, toAlertView } from '../alert-view.js'
import type { LiveEvents } from '../live-events.js'
import { accessOf, requireUser, userOf } from '../plugins/auth.js'
import type { SessionStreams } from '../session-streams.js'
import type { PushCount } from '../access/live-stream.js'

/** How often a stream writes what it pushed to the access log (and once more when it ends). */
const PUSH_LOG_MS = 30_000

export interface EventRouteOptions {
  live: LiveEvents
  streams: SessionStreams
  /** How often a stream checks that its session still holds (expired, ended on another server instance, user disabled). */
  sessionCheckMs: number
  /** A session idle this long is over (docs/decisions/0021); the stream's own check is no activity. */
  sessionIdleMs: number
}

/**
 * Server-Sent Events for live pages: `measurement` events for the patients the
 * caller may see (access re-checked every minute), `alert` events with the
 * alert as `GET /api/alerts` shows it (read for this caller, so the care
 * relationship is checked again for each), heartbeats as comments. A stream
 * lives no longer than its session: logging out ends it at once, expiry or a
 * logout elsewhere at the next session check (issue 14).
 */
export const eventRoutes: FastifyPluginAsync<EventRouteOptions> = async (app, { live, streams, sessionCheckMs, sessionIdleMs }) => {
  app.addHook('preClose', async () => streams.endAll())

  app.get('/api/events', { preHandler: requireUser, config: { access: 'patient' }, schema: { tags: ['events'], summary: 'Live events (text/event-stream)' } }, async (request, reply) => {
    const u = userOf(request)
    const token = request.sessionToken
    if (!token) throw new Error('requireUser guards this route: a user has a session token')
    const access = accessOf(request)
    let allowed = await access.stream.open()
    reply.hijack()
    const res = reply.raw
    // each event is one small write that should leave now, not wait for the client's delayed ACK (Nagle)
    request.raw.socket.setNoDelay(true)
    // the security headers set for every answer (plugins/security-headers.ts): a hijacked reply does not send them itself
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    res.write(': connected\n\n')
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    const language = preferredLanguage(request.headers['accept-language'])
    let isClosed = false
    // Who may be seen changes by a care-team write, which every server hears (INTERNAL_TOPICS.careTeamChanged):
    // the patient is dropped at once, then the set is read again (issue 18: an ended relationship ends access at
    // once). A read of the set that began before the latest change is not applied: it may be stale. A query per
    // pushed reading did the same and cost the alert path its p99 under load (issue 15's bench: 0.5 s → 3.6 s).
    let generation = 0
    const reread = () => {
      const started = generation
      access.stream.refresh().then((ids) => { if (generation === started) allowed = ids }, () => {})
    }
    const unsubscribeCareTeam = live.onCareTeamChanged((e) => {
      if (e.tenantId !== u.tenantId) return
      generation++
      allowed.delete(e.patientId)
      reread()
    })
    // what was pushed to whom (issue 19): summed per patient, written every PUSH_LOG_MS and when the stream ends
    let pushes = new Map<string, PushCount>()
    const counted = (patientId: string, kind: 'measurements' | 'alerts', n: number) => {
      const now = new Date()
      const c = pushes.get(patientId) ?? { measurements: 0, alerts: 0, from: now, to: now }
      c[kind] += n
      c.to = now
      pushes.set(patientId, c)
    }
    const logPushes = () => {
      if (pushes.size === 0) return
      const these = pushes
      pushes = new Map()
      access.stream.pushed(these).catch((error: unknown) => request.log.error({ err: error }, 'live pushes not logged'))
    }
    const unsubscribe = live.onMeasurements((e) => {
      if (isClosed || e.tenantId !== u.tenantId || !allowed.has(e.patientId)) return
      send('measurement', { patientId: e.patientId, readings: e.readings })
      counted(e.patientId, 'measurements', e.readings.length)
    })
    // one alert read at a time, so this stream sends changes in the order they were announced
    let alertQueue = Promise.resolve()
    const unsubscribeAlerts = live.onAlertChanged((e) => {
      if (e.tenantId !== u.tenantId || !allowed.has(e.patientId)) return
      alertQueue = alertQueue.then(async () => {
        if (isClosed) return
        const alert = await access.alerts.pushed(e.alertId)
        if (alert && !isClosed) {
          send('alert', { alert: toAlertView(alert, language) })
          counted(e.patientId, 'alerts', 1)
        }
      }).catch((error: unknown) => request.log.warn({ err: error, alertId: e.alertId }, 'live alert not sent'))
    })
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000)
    const refresh = setInterval(reread, 60_000)
    const pushLog = setInterval(logPushes, PUSH_LOG_MS)
    const sessionCheck = setInterval(() => {
      access.stream.isSessionLive(token, sessionIdleMs).then((isLive) => { if (!isLive) end() }, () => {})
    }, sessionCheckMs)
    const end = () => {
      if (isClosed) return
      isClosed = true
      res.end()
    }
    const unregister = streams.add(token, end, u.userId)
    // the response closes when the stream is ended here and when the client goes away
    res.on('close', () => {
      isClosed = true
      unregister()
      unsubscribe()
      unsubscribeAlerts()
      unsubscribeCareTeam()
      clearInterval(heartbeat)
      clearInterval(refresh)
      clearInterval(pushLog)
      logPushes()
      clearInterval(sessionCheck)
    })
  })
}
