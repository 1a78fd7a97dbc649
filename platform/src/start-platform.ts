import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBroker, ensureSelfSignedTlsCredentials, loadTlsCredentials, type VardeBroker } from '@varde/broker'
import type { PlatformConfig } from '@varde/config'
import { createPool, loadClockSetting, migrate, PlatformClock, resetPlatformClock, seedDemoTenants, setPlatformClock, startEmbeddedDatabase, type DemoHome, type EmbeddedDatabase, type Pool, type WireServerStats } from '@varde/db'
import { isWallClock } from '@varde/domain'
import {
  escalationSettings, startEscalation, startIngest, startOutboxRelay, startRollupRefresher, startRuleWorker, type EscalationService, type IngestService, type OutboxRelay, type RuleWorker,
} from '@varde/ingest'
import { startFlows, type Flows } from './flows.js'
import { startForwarding, type Forwarding } from './forwarding.js'
import { buildApp, connectLiveEvents, type LiveEvents } from '@varde/server'
import type { Logger } from 'pino'
import { startDemoShift } from './demo-shift-start.js'
import { startHelseIdLogin } from './helseid.js'
import { startIdPortenLogin } from './idporten.js'
import { startAuditRetention } from './audit-retention.js'

export interface RunningPlatform {
  httpUrl: string
  mqttUrl: string
  /** MQTT over TLS ('' when this process runs no broker, or production without a certificate). */
  mqttsUrl: string
  /** MQTT over WebSocket, `/mqtt` on the HTTP port ('' when this process runs no broker). */
  mqttWebSocketUrl: string
  databaseUrl: string
  demoHomes: DemoHome[]
  /** Where the demo GP practice receives forwarded data ('' when this process runs no forwarding, or outside demo mode). */
  demoGpFhirUrl: string
  /** Settles when the simulator's demo (the shift, its history, the live feed) is up; that comes after ready. */
  demoFeed: Promise<void>
  /** Stops the parts in reverse order of starting; a part that fails to stop is logged and the next one stopped. */
  stop(): Promise<void>
  /**
   * The parts whose stop has not finished, the one being stopped first, and
   * what the embedded database is doing (main.ts names them in the log when
   * the shutdown deadline passes).
   */
  unfinished(): { parts: string[]; database?: WireServerStats }
}

export const WEB_DIST_DIR = resolve(fileURLToPath(new URL('../../clinician-web/web/dist', import.meta.url)))

/**
 * The composition root: starts the parts named in the configuration, in
 * order (database, migrations, demo data, broker, ingest, server,
 * simulator), and stops them in reverse so that nothing acknowledged is lost.
 * The parts meet only through MQTT and the database, so the same parts can
 * run in one process (demo) or one per process (VARDE_PARTS).
 */
export async function startPlatform(config: PlatformConfig, logger: Logger): Promise<RunningPlatform> {
  const stack: { name: string; stop: () => Promise<unknown> }[] = []
  const stopAll = async () => {
    while (stack.length > 0) {
      const part = stack[stack.length - 1] as (typeof stack)[number]
      try {
        await part.stop()
        logger.debug({ part: part.name }, 'stopped')
      } catch (error) {
        logger.error({ err: error, part: part.name }, 'failed to stop cleanly')
      }
      stack.pop()
    }
  }
  let embedded: EmbeddedDatabase | undefined
  const unfinished = () => ({ parts: stack.map((p) => p.name).reverse(), ...(embedded ? { database: embedded.stats() } : {}) })
  try {
    let databaseUrl = config.databaseUrl
    if (!databaseUrl) {
      const db: EmbeddedDatabase = await startEmbeddedDatabase({
        dataDir: join(config.dataDir, 'db'), port: config.dbPort,
        onIncident: (message) => logger.error({ part: 'database', event: 'wire-incident' }, message),
        slowRequests: {
          slowRequestMs: config.dbSlowMs,
          onSlowRequest: (info) => logger.warn({ part: 'database', event: 'slow-statement', ...info }, 'a statement held the embedded database long'),
        },
      })
      embedded = db
      stack.push({ name: 'database', stop: () => db.stop() })
      databaseUrl = db.url
      logger.info({ part: 'database', dataDir: db.dataDir }, 'embedded TimescaleDB started')
    }
    // the owner migrates; DATABASE_URL may be the least-privileged role (docs/decisions/0008)
    const applied = await migrate(config.migrateDatabaseUrl ?? databaseUrl, {
      requireTimescaledb: config.requireTimescaledb,
      logger: { info: (msg) => logger.debug({ part: 'database' }, msg), warn: (msg) => logger.warn({ part: 'database', event: 'without-timescaledb' }, msg) },
    })
    if (applied.length) logger.info({ part: 'database', migrations: applied }, 'migrations applied')
    const pool: Pool = createPool(databaseUrl, { max: config.dbPoolSize ?? 4, applicationName: 'varde-platform' })
    stack.push({ name: 'pool', stop: () => pool.end() })
    // demo mode: both demo tenants (platform-contract.md "Demo mode"), `demo`'s homes first
    const seeded = config.mode === 'demo' ? await seedDemoTenants(pool) : { demo: [], nabo: [] }
    const demoHomes = [...seeded.demo, ...seeded.nabo]
    await startClock(pool, config, logger)

    let mqttUrl = config.mqttUrl
    let mqttsUrl = ''
    let broker: VardeBroker | undefined
    const localHost = config.bindHost === '0.0.0.0' ? '127.0.0.1' : config.bindHost
    if (config.parts.has('broker')) {
      const b: VardeBroker = await createBroker({
        db: pool, logger, serviceSecret: config.serviceSecret, mode: config.mode, persistenceDir: join(config.dataDir, 'broker'), redisUrl: config.redisUrl,
      })
      broker = b
      stack.push({ name: 'broker', stop: () => b.close() })
      const port = await b.listen(config.mqttPort, config.bindHost)
      mqttUrl = `mqtt://${localHost}:${port}`
      // MQTTS: the operator's certificate, or in demo mode a self-signed pair kept in $VARDE_DATA_DIR/tls
      const tls = config.tlsCertFile && config.tlsKeyFile
        ? await loadTlsCredentials(config.tlsCertFile, config.tlsKeyFile)
        : config.mode === 'demo' ? await ensureSelfSignedTlsCredentials(join(config.dataDir, 'tls'), [config.bindHost]) : undefined
      if (tls) {
        mqttsUrl = `mqtts://${localHost}:${await b.listenTls(config.mqttsPort, config.bindHost, tls)}`
        logger.info({ part: 'broker', certificate: tls.source }, 'MQTTS certificate')
      } else {
        logger.warn({ part: 'broker', event: 'mqtts-off' }, 'no MQTTS listener: set VARDE_TLS_CERT_FILE and VARDE_TLS_KEY_FILE (or terminate TLS in front of the MQTT port)')
      }
    }
    if (config.parts.has('ingest')) {
      // ingest's parts (docs/decisions/0011), stopped in reverse: ingest flushes first, the relay publishes last
      // one platform clock for ingest and its rules (docs/decisions/0014): ingest reloads it when it is moved
      const clock = new PlatformClock(pool)
      await clock.start()
      stack.push({ name: 'clock', stop: async () => clock.stop() })
      const relay: OutboxRelay = startOutboxRelay({ db: pool, mqttUrl, serviceSecret: config.serviceSecret, logger })
      stack.push({ name: 'outbox-relay', stop: () => relay.stop() })
      const rules: RuleWorker = startRuleWorker({ db: pool, logger, clock, publish: (events) => relay.publish(events) })
      stack.push({ name: 'rules', stop: () => rules.stop() })
      const escalation: EscalationService = startEscalation({
        db: pool, ...escalationSettings(config.escalation, config.publicUrl), log: logger, onEscalated: () => relay.wake(),
      })
      stack.push({ name: 'escalation', stop: () => escalation.stop() })
      // the access log's retention (docs/decisions/0025): the workers' process deletes what is past each tenant's setting
      const retention = startAuditRetention({ db: pool, logger })
      stack.push({ name: 'audit-retention', stop: () => retention.stop() })
      // the trend rollups (issue 21, docs/decisions/0029): the platform's job, no TimescaleDB scheduler needed
      const rollups = startRollupRefresher({ db: pool, logger })
      stack.push({ name: 'rollups', stop: () => rollups.stop() })
      const ingest: IngestService = startIngest({ db: pool, mqttUrl, serviceSecret: config.serviceSecret, logger, clock, onStored: () => rules.wake() })
      stack.push({ name: 'ingest', stop: () => ingest.stop() })
      await Promise.all([ingest.ready, relay.ready])
    }
    let demoGpFhirUrl = ''
    if (config.parts.has('forwarding')) {
      const forwarding: Forwarding = await startForwarding({ config, db: pool, logger, host: localHost })
      stack.push(...forwarding.parts)
      demoGpFhirUrl = forwarding.demoGpFhirUrl ?? ''
    }
    let httpUrl = ''
    if (config.parts.has('server')) {
      // Node-RED before the server that answers its editor (config: flows needs server in the same process)
      let flows: Flows | undefined
      if (config.parts.has('flows')) {
        flows = await startFlows({ config, db: pool, mqttUrl, logger })
        stack.push(...flows.parts)
      }
      const live: LiveEvents = connectLiveEvents({ mqttUrl, serviceSecret: config.serviceSecret, logger })
      stack.push({ name: 'server-events', stop: () => live.close() })
      await live.ready
      const helseId = await startHelseIdLogin(config, logger)
      stack.push({ name: 'helseid-stand-in', stop: helseId.stop })
      const idPorten = await startIdPortenLogin(config, logger)
      stack.push({ name: 'idporten-stand-in', stop: idPorten.stop })
      const app = await buildApp({
        db: pool, live, logger, mode: config.mode, webDistDir: WEB_DIST_DIR, http: { ...config.http, publicUrl: config.publicUrl },
        sessions: config.sessions, ...(helseId.options ? { helseId: helseId.options } : {}),
        ...(idPorten.options ? { idPorten: idPorten.options } : {}),
        ...(flows ? { flows: flows.runtime } : {}),
      })
      stack.push({ name: 'server', stop: () => app.close() })
      // MQTT over WebSocket at /mqtt on the API server's port: the broker takes the upgrades; its
      // connections are closed first on stop (the HTTP server's close would wait for them)
      if (broker) stack.push({ name: 'mqtt-websocket', stop: broker.attachWebSocket(app.server) })
      const address = await app.listen({ port: config.httpPort, host: config.bindHost })
      httpUrl = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1')
    }
    let mqttWebSocketUrl = ''
    if (broker && httpUrl) mqttWebSocketUrl = `${httpUrl.replace(/^http/, 'ws')}/mqtt`
    else if (broker) mqttWebSocketUrl = `ws://${localHost}:${await broker.listenWebSocket(config.httpPort, config.bindHost)}/mqtt` // a broker without the API server serves /mqtt on the HTTP port itself
    // the demo's feed and the shift of 80 (issue 20) come up after ready (demo-shift-start.ts); the shift with the
    // simulator only, which keeps it alive (tests run without it)
    let demoFeed: Promise<void> = Promise.resolve()
    if (config.simulator && config.parts.has('simulator')) {
      const shift = startDemoShift({ pool, demoHomes, withShift: config.mode === 'demo', mqttUrl, intervalMs: config.simulatorIntervalMs, logger })
      stack.push({ name: 'simulator', stop: () => shift.stop() })
      demoFeed = shift.done
    }
    return { httpUrl, mqttUrl, mqttsUrl, mqttWebSocketUrl, databaseUrl, demoHomes, demoGpFhirUrl, demoFeed, stop: stopAll, unfinished }
  } catch (error) {
    await stopAll()
    throw error
  }
}

/**
 * The platform clock at start (docs/decisions/0014-platform-clock.md): set
 * from VARDE_CLOCK_OFFSET / VARDE_CLOCK_SPEED in demo and test mode; in
 * production the wall clock, whatever a tester left in the database.
 */
async function startClock(pool: Pool, config: PlatformConfig, logger: Logger): Promise<void> {
  const platform = { tenantId: null, userId: null, name: 'platform-start' }
  if (config.mode === 'production') {
    if (!isWallClock(await loadClockSetting(pool))) {
      logger.warn({ part: 'clock', event: 'clock-reset' }, 'a moved platform clock was found in production mode: back to the wall clock')
    }
    await resetPlatformClock(pool, platform)
    return
  }
  if (!config.clock) return
  await setPlatformClock(pool, platform, { kind: 'offset', offsetMs: config.clock.offsetMs, speed: config.clock.speed })
  logger.info({ part: 'clock', offsetMs: config.clock.offsetMs, speed: config.clock.speed }, 'platform clock moved (VARDE_CLOCK_OFFSET, VARDE_CLOCK_SPEED)')
}
