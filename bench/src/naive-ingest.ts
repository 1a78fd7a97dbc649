import { ConfigError, loadPlatformConfig, servicePassword, serviceUsername } from '@varde/config'
import { createPool, findGatewayContext, keyOf, storeBatches, updateGatewayStatus, type BatchToStore, type GatewayContext } from '@varde/db'
import {
  buildReceipt, gatewayStatusSchema, gatewayTopic, INTERNAL_TOPICS, judgeBatch, measurementsStoredEvents, measurementsStoredMessages,
  parseGatewayTopic, storedReadingOf, type ReadingForEvent, type Receipt,
} from '@varde/domain'
import mqtt, { type IPublishPacket } from 'mqtt'
import { pino } from 'pino'

/**
 * The naive baseline of `npm run bench:ingest`: the consumer one writes first.
 * For each MQTT message, in turn: judge it (the same domain code as Varde's
 * ingest), store its readings with ONE INSERT statement (the same idempotent
 * statement, given one batch), publish its receipt and its event, then
 * acknowledge it and take the next. No buffering, so one statement and one
 * round trip to the database per message: the cost Varde's ingest batches
 * away. Everything else matches ingest (persistent session, QoS 1, the gateway
 * context cached), so the ratio measures the batching alone.
 *
 *   DATABASE_URL=… VARDE_MQTT_URL=… VARDE_SERVICE_SECRET=… node bench/dist/naive-ingest.js
 */
let config
try {
  config = loadPlatformConfig({ ...process.env, VARDE_PARTS: 'ingest' })
} catch (error) {
  console.error(`naive-ingest: ${error instanceof ConfigError ? error.message : String(error)}`)
  process.exit(2)
}
if (!config.databaseUrl || config.isServiceSecretGenerated) {
  console.error('naive-ingest: DATABASE_URL and VARDE_SERVICE_SECRET are required')
  process.exit(2)
}
const log = pino({ level: config.logLevel }).child({ part: 'naive-ingest' })
const db = createPool(config.databaseUrl, { max: 2, applicationName: 'bench-naive-ingest' })
const contexts = new Map<string, GatewayContext | null>()

const client = mqtt.connect(config.mqttUrl, {
  clientId: 'bench-naive-ingest',
  username: serviceUsername('ingest'),
  password: servicePassword(config.serviceSecret, 'ingest'),
  clean: false,
  protocolVersion: 4,
  reconnectPeriod: 1000,
})
client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))

// One message at a time: MQTT.js waits for `done` (and sends the PUBACK) before the next.
client.handleMessage = (packet: IPublishPacket, done: (error?: Error) => void) => {
  handle(packet).then(
    () => done(),
    (error: unknown) => {
      // a bench must not hide a failure: stop loudly, the bench reports the exit
      log.fatal({ err: error, topic: packet.topic }, 'message handling failed')
      process.exit(1)
    },
  )
}

async function handle(packet: IPublishPacket): Promise<void> {
  const topic = parseGatewayTopic(packet.topic)
  if (!topic) return
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
  if (topic.channel === 'status') {
    let json: unknown
    try {
      json = JSON.parse(payload.toString('utf8'))
    } catch {
      return
    }
    const status = gatewayStatusSchema.safeParse(json)
    if (status.success) await updateGatewayStatus(db, topic.gatewayId, { ...status.data, at: new Date() })
    return
  }
  if (topic.channel !== 'measurements') return
  const { gatewayId } = topic
  const receivedAt = new Date()
  if (!contexts.has(gatewayId)) contexts.set(gatewayId, await findGatewayContext(db, gatewayId))
  const ctx = contexts.get(gatewayId) ?? null
  const judgement = judgeBatch(payload, { receivedAt })
  const store: BatchToStore = {
    gatewayId, tenantId: ctx?.tenantId ?? null, patientId: ctx?.patientId ?? null,
    batchId: judgement.ok ? judgement.batchId : null, receivedAt, readings: [], rejections: [],
  }
  if (!judgement.ok) {
    store.rawPayload = payload.toString('utf8')
    store.rejections.push({ id: null, code: judgement.receipt.error.code, detail: judgement.receipt.error.detail, raw: store.rawPayload })
    await storeBatches(db, [store])
    client.publish(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(judgement.receipt), { qos: 1 })
    return
  }
  const extraRejected: Receipt['rejected'] = []
  store.rejections.push(...judgement.rejected)
  for (const reading of judgement.readings) {
    const problem = !ctx?.patientId
      ? 'gateway is not assigned to a patient'
      : ctx.requiresDevicePairing && !ctx.pairedDeviceIds.has(reading.deviceId) ? `device ${reading.deviceId} is not paired` : null
    if (!problem) store.readings.push(reading)
    else if (!extraRejected.some((r) => r.id === reading.measurementId)) {
      extraRejected.push({ id: reading.measurementId, code: 'unknown-device', detail: problem })
      store.rejections.push({ id: reading.measurementId, code: 'unknown-device', detail: problem, raw: reading })
    }
  }
  const result = await storeBatches(db, [store])
  const ids = result.readingIds[0] ?? []
  const duplicate = new Set<string>()
  const stored: ReadingForEvent[] = []
  store.readings.forEach((reading, j) => {
    if (!result.newKeys.has(keyOf(gatewayId, judgement.batchId, reading.measurementId))) {
      duplicate.add(reading.measurementId)
      return
    }
    stored.push({ tenantId: store.tenantId ?? '', patientId: store.patientId ?? '', gatewayId, reading: storedReadingOf(ids[j] ?? '', reading) })
  })
  client.publish(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(buildReceipt(judgement, { duplicate, extraRejected })), { qos: 1 })
  for (const message of measurementsStoredMessages(measurementsStoredEvents(stored))) client.publish(INTERNAL_TOPICS.measurementsStored, message, { qos: 1 })
}

client.on('connect', () => {
  client.subscribe({ 'varde/v1/gateways/+/measurements': { qos: 1 }, 'varde/v1/gateways/+/status': { qos: 1 } }, (error) => {
    if (error) {
      log.fatal({ err: error }, 'subscribe failed')
      process.exit(1)
    }
    log.info({ event: 'ready' }, 'naive ingest ready')
  })
})

const stop = () => {
  client.end(false, {}, () => void db.end().then(() => process.exit(0)))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
