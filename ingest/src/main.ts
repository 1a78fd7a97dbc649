import { ConfigError, loadPlatformConfig } from '@varde/config'
import { createPool } from '@varde/db'
import { pino } from 'pino'
import { startIngest } from './ingest.js'
import { parsePartition, partitionClientId, PartitionConfigError, type IngestPartition } from '@varde/domain'

/**
 * Ingest alone, in its own process: `DATABASE_URL=… VARDE_MQTT_URL=…
 * VARDE_SERVICE_SECRET=… node ingest/dist/main.js`. Stops cleanly on
 * SIGINT/SIGTERM (flushes, then disconnects); a SIGKILL loses nothing either
 * (docs/decisions/0003-ingest-delivery.md).
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
const pool = createPool(config.databaseUrl, { max: 2, applicationName: 'varde-ingest' })
const ingest = startIngest({
  db: pool, mqttUrl: config.mqttUrl, serviceSecret: config.serviceSecret, logger,
  escalation: { config: config.escalation, publicUrl: config.publicUrl },
  ...(clientId ? { clientId } : {}),
  ...(partition ? { partition } : {}),
})
await ingest.ready
logger.info({ event: 'ready', ...(partition ? { partition: `${partition.index}/${partition.count}` } : {}) }, 'ingest ready')
const stop = () => {
  void ingest.stop().then(() => pool.end()).then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
