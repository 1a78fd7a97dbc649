import { ConfigError, loadPlatformConfig } from '@varde/config'
import { createPool } from '@varde/db'
import { parsePartition, partitionClientId } from '@varde/domain'
import { escalationSettings, startEscalation, startIngest, startOutboxRelay, startRuleWorker } from '@varde/ingest'
import { pino } from 'pino'

/**
 * Varde's ingest under test in `npm run bench:ingest`: ingest's parts in a
 * process of its own, started as `ingest/dist/main.js` starts them (same
 * pool, same defaults), with one switch that file does not have: the rules
 * worker, off unless BENCH_RULES=on. Off, the bench measures what issue 3 is
 * about, storing and receipting, against a naive consumer that stores and
 * receipts; on, the rules (issue 5) judge every patient with new readings as
 * they do in production.
 *
 *   DATABASE_URL=… VARDE_MQTT_URL=… VARDE_SERVICE_SECRET=… [BENCH_RULES=on] [VARDE_INGEST_PARTITION=k/n] node bench/dist/ingest-process.js
 *
 * With VARDE_INGEST_PARTITION, one of n processes, as ingest/dist/main.js runs it (npm run bench:scale).
 */
let config
try {
  config = loadPlatformConfig({ ...process.env, VARDE_PARTS: 'ingest' })
} catch (error) {
  console.error(`bench ingest-process: ${error instanceof ConfigError ? error.message : String(error)}`)
  process.exit(2)
}
if (!config.databaseUrl) {
  console.error('bench ingest-process: DATABASE_URL is required')
  process.exit(2)
}
const isRulesOn = process.env.BENCH_RULES === 'on'
const logger = pino({ level: config.logLevel })
const pool = createPool(config.databaseUrl, { max: 2, applicationName: 'varde-ingest' })
// the parts as ingest/dist/main.js starts them, the rules worker only with BENCH_RULES=on
const relay = startOutboxRelay({ db: pool, mqttUrl: config.mqttUrl, serviceSecret: config.serviceSecret, logger })
const rules = isRulesOn ? startRuleWorker({ db: pool, logger, publish: (events) => relay.publish(events) }) : null
const escalation = startEscalation({ db: pool, ...escalationSettings(config.escalation, config.publicUrl), log: logger, onEscalated: () => relay.wake() })
const partition = process.env.VARDE_INGEST_PARTITION ? parsePartition(process.env.VARDE_INGEST_PARTITION) : undefined
const ingest = startIngest({
  ...(partition ? { partition, clientId: partitionClientId(partition) } : {}),
  db: pool, mqttUrl: config.mqttUrl, serviceSecret: config.serviceSecret, logger, ...(rules ? { onStored: () => rules.wake() } : {}),
})
await Promise.all([ingest.ready, relay.ready])
logger.info({ event: 'ready', rules: isRulesOn }, 'ingest ready')
// what ingest did each second, in its log (`--logs`): how a figure came about
let last = ingest.stats()
setInterval(() => {
  const now = ingest.stats()
  logger.info({
    event: 'second', batches: now.batches - last.batches, accepted: now.accepted - last.accepted, flushes: now.flushes - last.flushes,
    storeMs: Math.round(now.storeMs - last.storeMs), storeErrors: now.storeErrors - last.storeErrors,
  }, 'ingest this second')
  last = now
}, 1000).unref()
const stop = () => {
  void (async () => {
    await ingest.stop()
    await Promise.all([rules?.stop(), escalation.stop()])
    await relay.stop()
    await pool.end()
    process.exit(0)
  })()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
