import { createBroker, type BrokerOptions, type VardeBroker } from '@varde/broker'
import { PlatformClock } from '@varde/db'
import type { TestDatabase } from '@varde/db/testing'
import { startIngest, startOutboxRelay, startRuleWorker, type IngestService, type OutboxRelay, type RuleWorker } from '@varde/ingest'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { expect } from 'vitest'
import { buildApp, connectLiveEvents, type AppOptions, type LiveEvents } from '../src/index.js'

/** The real parts behind the server's integration suites: broker, ingest with its rules and outbox relay, live events and the app. */
export interface ServerStack {
  broker: VardeBroker
  ingest: IngestService
  rules: RuleWorker
  relay: OutboxRelay
  live: LiveEvents
  app: FastifyInstance
  baseUrl: string
  mqttUrl: string
  /** Logs in through `POST /api/session` and returns the session cookie (`name=value`). */
  login(username: string, password?: string): Promise<string>
  /** Stops everything started here, in reverse order (the database is the caller's). */
  stop(): Promise<void>
}

export async function startServerStack(options: {
  db: TestDatabase
  /** Names the ingest session and the service secret, one per suite. */
  name: string
  broker?: Pick<BrokerOptions, 'statsIntervalMs' | 'credentialCheckIntervalMs'>
  /** The app's options beyond its parts (mode, portal directory, HTTP hardening). */
  app?: Omit<Partial<AppOptions>, 'db' | 'live' | 'logger'>
  /** The app's port (default: a free one), for a suite that must name its address before it starts (a provider's redirect URI). */
  port?: number
}): Promise<ServerStack> {
  const logger = pino({ level: 'silent' })
  const serviceSecret = `${options.name}-secret-0123456789abcdef`
  const db = options.db.pool
  const broker = await createBroker({ db, logger, serviceSecret, mode: 'demo', ...options.broker })
  const mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  // one platform clock for ingest and its rules, as the platform has (docs/decisions/0014)
  const clock = new PlatformClock(db)
  await clock.start()
  const relay = startOutboxRelay({ db, mqttUrl, serviceSecret, logger })
  const rules = startRuleWorker({ db, logger, clock, publish: (events) => relay.publish(events) })
  const ingest = startIngest({ db, mqttUrl, serviceSecret, logger, clock, clientId: `ingest-${options.name}`, onStored: () => rules.wake() })
  await Promise.all([ingest.ready, relay.ready])
  const live = connectLiveEvents({ mqttUrl, serviceSecret, logger })
  await live.ready
  const app = await buildApp({ db, live, logger, mode: 'demo', ...options.app })
  const baseUrl = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  return {
    broker, ingest, rules, relay, live, app, baseUrl, mqttUrl,
    async login(username, password = 'demo') {
      const res = await fetch(`${baseUrl}/api/session`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
      })
      expect(res.status).toBe(204)
      const cookie = res.headers.get('set-cookie') ?? ''
      expect(cookie).toMatch(/HttpOnly/i)
      return cookie.split(';')[0] ?? ''
    },
    async stop() {
      await app.close()
      await live.close()
      await ingest.stop()
      await rules.stop()
      await relay.stop()
      clock.stop()
      await broker.close()
    },
  }
}
