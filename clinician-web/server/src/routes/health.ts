import { timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../access/types.js'
import type { FastifyPluginAsync } from 'fastify'
import { renderBrokerMetrics } from '../broker-metrics.js'
import { renderOperationsMetrics } from '../operations-metrics.js'
import type { LiveEvents } from '../live-events.js'
import { ERRORS, errorAnswer } from '../errors/api-errors.js'

const INGEST_STALE_MS = 20_000

export interface HealthRouteOptions {
  db: Queryable
  live: LiveEvents
  /** Serve `/metrics` (VARDE_METRICS); with a token, only to `Authorization: Bearer <token>` (VARDE_METRICS_TOKEN). */
  metrics: false | { token: string | undefined }
}

/** The token compared in constant time, so its characters cannot be found one by one. */
function isMetricsToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * /healthz (platform-contract.md): 200 when broker, ingest and database are up; 503 naming what is not.
 * /metrics: Prometheus text, when configured (off in production unless set: it tells what runs and how much).
 */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, { db, live, metrics }) => {
  async function check() {
    const database = await Promise.race([
      db.query('SELECT 1').then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ])
    const broker = live.isBrokerConnected()
    const ingestHealth = live.serviceHealth('ingest')
    const ingest = broker && ingestHealth?.state === 'up' && Date.now() - ingestHealth.at.getTime() < INGEST_STALE_MS
    return { database, broker, ingest }
  }

  app.get('/healthz', { config: { access: 'none' }, schema: { tags: ['operations'], summary: 'Liveness of broker, ingest and database' } }, async (_request, reply) => {
    const checks = await check()
    const failing = Object.entries(checks).filter(([, ok]) => !ok).map(([part]) => part)
    return reply.code(failing.length ? 503 : 200).send({ status: failing.length ? 'fail' : 'ok', failing, checks })
  })

  if (!metrics) return
  app.get('/metrics', { config: { access: 'none' }, schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } }, async (request, reply) => {
    if (metrics.token !== undefined && !isMetricsToken(request.headers.authorization, metrics.token)) {
      const error = new ERRORS.metricsTokenRequired()
      return reply.code(error.statusCode).header('www-authenticate', 'Bearer').send(errorAnswer(error))
    }
    const checks = await check()
    const m = process.memoryUsage()
    const lines = [
      '# HELP varde_up Whether a part of the platform is up (1) or not (0).',
      '# TYPE varde_up gauge',
      ...Object.entries(checks).map(([part, ok]) => `varde_up{part="${part}"} ${ok ? 1 : 0}`),
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${m.rss}`,
      ...renderBrokerMetrics(live.brokerStats()),
      // without the database, /metrics still answers: varde_up{part="database"} 0 says why these are missing
      ...(checks.database ? await renderOperationsMetrics(db).catch(() => []) : []),
      '',
    ]
    return reply.type('text/plain; version=0.0.4').send(lines.join('\n'))
  })
}
