import { ConfigError, loadPlatformConfig } from '@varde/config'
import { createPool, PlatformClock } from '@varde/db'
import { pino } from 'pino'
import { escalationSettings, startEscalation } from './escalation.js'
import { startRollupRefresher } from './rollup-refresher.js'
import { startIngest } from './ingest.js'
import { watchLoopDelay } from './loop-delay.js'
import { startOutboxRelay } from './outbox-relay.js'
import { startRuleWorker } from './rule-worker.js'
import { parsePartition, partitionClientId, PartitionConfigError, type IngestPartition } from '@varde/domain'

/**
 * Ingest alone, in its own process: `DATABASE_URL=… VARDE_MQTT_URL=…
 * VARDE_SERVICE_SECRET=… node ingest/dist/main.js`. Its composition root:
 * ingest, the rules worker, escalation and the outbox relay, each a part of
 * its own (docs/decisions/0011). Stops cleanly on SIGINT/SIGTERM (ingest
 * flushes first, the relay publishes last, then it disconnects); a SIGKILL
 * loses nothing either (docs/decisions/0003-ingest-delivery.md; the outbox).
 */
let config
try {
  config = loadPlatformConfig({ ...process.env, VARDE_PARTS: 'ingest' })
} catch (error) {
  console.error(`varde-ingest: ${error instanceof ConfigError ? error.message : String(error)}`)
  process.exit(2)
}
if (!config.databaseUrl) {
  console.error('varde-ingest: DATABASE_URL is required when ingest runs alone')
  process.exit(2)
}
// several ingest processes: each answers for the gateways of its partition (docs/decisions/0012-deployment-shape.md)
let partition: IngestPartition | undefined
try {
  partition = process.env.VARDE_INGEST_PARTITION ? parsePartition(process.env.VARDE_INGEST_PARTITION) : undefined
} catch (error) {
  console.error(`varde-ingest: ${error instanceof PartitionConfigError ? error.message : String(error)}`)
  process.exit(2)
}
const clientId = process.env.VARDE_INGEST_CLIENT_ID ?? (partition ? partitionClientId(partition) : undefined)
const logger = pino({ level: config.logLevel })
const pool = createPool(config.databaseUrl, { max: config.dbPoolSize ?? 2, applicationName: 'varde-ingest' })
// one platform clock for ingest and its rules (docs/decisions/0014): ingest reloads it when it is moved
const clock = new PlatformClock(pool)
await clock.start().catch((error: unknown) => logger.warn({ err: error, event: 'clock-not-loaded' }, 'platform clock not loaded; on the wall clock until it is'))
const relay = startOutboxRelay({ db: pool, mqttUrl: config.mqttUrl, serviceSecret: config.serviceSecret, logger })
const rules = startRuleWorker({ db: pool, logger, clock, publish: (events) => relay.publish(events) })
const escalation = startEscalation({
  db: pool, ...escalationSettings(config.escalation, config.publicUrl), log: logger, onEscalated: () => relay.wake(),
})
const rollups = startRollupRefresher({ db: pool, logger })
const ingest = startIngest({
  db: pool, mqttUrl: config.mqttUrl, serviceSecret: config.serviceSecret, logger, clock, onStored: () => rules.wake(),
  ...(clientId ? { clientId } : {}),
  ...(partition ? { partition } : {}),
})
await Promise.all([ingest.ready, relay.ready])
// the event loop's delay every 10 s: receipts, rules and publishes share this thread (said at info when it reached 100 ms)
const loopDelay = watchLoopDelay()
const loopDelayLog = setInterval(() => {
  const sample = loopDelay.take()
  logger[sample.max >= 100 ? 'info' : 'debug']({ event: 'loop-delay', ...sample }, 'event loop delay over the last 10 s')
}, 10_000)
loopDelayLog.unref()
logger.info({ event: 'ready', ...(partition ? { partition: `${partition.index}/${partition.count}` } : {}) }, 'ingest ready')
const stop = () => {
  void (async () => {
    clearInterval(loopDelayLog)
    loopDelay.stop()
    await ingest.stop()
    await Promise.all([rules.stop(), escalation.stop(), rollups.stop()])
    await relay.stop()
    clock.stop()
    await pool.end()
    process.exit(0)
  })()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
