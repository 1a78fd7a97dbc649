import { serviceUsername, servicePassword } from '@varde/config'
import {
  findGatewayContext, keyOf, storeBatches, updateGatewayStatus, type BatchToStore, type GatewayContext, type Queryable,
} from '@varde/db'
import {
  buildReceipt, gatewayStatusSchema, gatewayTopic, INTERNAL_TOPICS, judgeBatch, MAX_BATCH_BYTES, parseGatewayTopic,
  measurementsStoredMessages, syncClockCommand, type BatchJudgement, type MalformedReceipt, type MeasurementsStoredEvent, type Receipt,
} from '@varde/domain'
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { EscalationConfig } from '@varde/config'
import { buildNotifiers } from '@varde/notify'
import { startEscalation, type EscalationService } from './escalation.js'
import { startRuleWorker, type RuleWorker, type RuleWorkerOptions, type RuleWorkerStats } from './rule-worker.js'

export interface IngestOptions {
  db: Queryable
  mqttUrl: string
  serviceSecret: string
  logger: Logger
  /** MQTT client id of the persistent session; one per ingest instance. */
  clientId?: string
  /** Flush when this many readings are buffered ... */
  flushReadings?: number
  /** ... or when the oldest buffered batch has waited this long. */
  flushIntervalMs?: number
  /** Stop reading from the broker while this many readings wait (back-pressure). */
  maxBufferedReadings?: number
  /** The rules after storing (rule-worker.ts); `false` only for tests and benchmarks of storing alone. */
  rules?: false | Pick<RuleWorkerOptions, 'batchPatients' | 'sweepIntervalMs' | 'checkIntervalMs'>
  /** Escalation of unacknowledged red alerts (escalation.ts), with the platform's configuration; `false` or unset: off. */
  escalation?: false | { config: EscalationConfig; publicUrl: string }
}

export interface IngestService {
  /** Resolves once connected and subscribed. */
  ready: Promise<void>
  isConnected(): boolean
  stats(): IngestStats
  /** The rules worker, unless switched off. */
  rules: RuleWorker | null
  escalation: EscalationService | null
  stop(): Promise<void>
}

export interface IngestStats {
  batches: number
  accepted: number
  duplicate: number
  rejected: number
  malformed: number
  flushes: number
  /** Time spent waiting for the store statement of flushes, in ms (with `flushes`: how busy the database is for ingest). */
  storeMs: number
  /** Failed database calls (each is retried). */
  storeErrors: number
  rules: RuleWorkerStats | null
}

interface Pending {
  store: BatchToStore
  judgement: BatchJudgement
  extraRejected: Receipt['rejected']
}

/**
 * Ingest: MQTT → judge (domain) → store (one statement per flush) → receipts
 * and events. A receipt is published only after its batch is committed.
 *
 * Delivery (docs/decisions/0003-ingest-delivery.md): the persistent session
 * (clean: false, QoS 1) keeps batches that arrive while ingest is down; a
 * batch is acknowledged to the broker when it enters the bounded buffer, and
 * the gateway keeps it until the receipt arrives and re-sends otherwise, so a
 * crash between the two loses nothing and the idempotency key stores nothing
 * twice.
 */
/** Flushes under way at once (flush()). */
const MAX_FLUSHES = 2

/** A flush whose statement took longer than this is logged (`slow-store`): receipts wait for it. */
const SLOW_STORE_MS = 250

const bufferedCount = (pending: readonly Pending[]) => pending.reduce((n, p) => n + Math.max(1, p.store.readings.length), 0)

export function startIngest(options: IngestOptions): IngestService {
  const log = options.logger.child({ part: 'ingest' })
  const flushReadings = options.flushReadings ?? 2000
  const flushIntervalMs = options.flushIntervalMs ?? 10
  const maxBuffered = options.maxBufferedReadings ?? 20_000
  const contexts = new Map<string, { ctx: GatewayContext | null; at: number }>()
  const stats: Omit<IngestStats, 'rules'> = { batches: 0, accepted: 0, duplicate: 0, rejected: 0, malformed: 0, flushes: 0, storeMs: 0, storeErrors: 0 }

  let buffer: Pending[] = []
  let bufferedReadings = 0
  let flushTimer: NodeJS.Timeout | undefined
  const running = new Set<Promise<void>>()
  /** Readings in `buffer`, not yet in a flush (`bufferedReadings` counts those being stored too, for back-pressure). */
  let waitingReadings = 0
  let isStopping = false
  const heldAcks: (() => void)[] = []

  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: options.clientId ?? 'varde-ingest',
    username: serviceUsername('ingest'),
    password: servicePassword(options.serviceSecret, 'ingest'),
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    will: { topic: INTERNAL_TOPICS.health('ingest'), payload: Buffer.from('{"state":"down"}'), qos: 1, retain: true },
  })

  const ready = new Promise<void>((resolve) => {
    client.on('connect', (connack) => {
      // a receipt goes out at once, not held by Nagle's algorithm until the broker's delayed ACK
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
      log.info({ event: 'connected', sessionPresent: connack.sessionPresent }, 'ingest connected')
      client.subscribe(
        { [`varde/v1/gateways/+/measurements`]: { qos: 1 }, [`varde/v1/gateways/+/status`]: { qos: 1 } },
        (error) => {
          if (error) log.error({ err: error }, 'subscribe failed')
          else {
            publishHealth()
            resolve()
          }
        },
      )
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))

  const rules = options.rules === false ? null : startRuleWorker({
    ...options.rules,
    db: options.db,
    logger: options.logger,
    publish: (topic, payload) => void client.publish(topic, payload, { qos: 1 }),
  })
  const escalation: EscalationService | null = options.escalation ? startEscalation({
    db: options.db, mqtt: client, notifiers: buildNotifiers({ escalation: options.escalation.config }),
    afterMinutes: options.escalation.config.afterMinutes, checkIntervalMs: options.escalation.config.checkIntervalMs,
    log: options.logger, publicUrl: options.escalation.publicUrl,
  }) : null

  const publishHealth = () =>
    client.publish(INTERNAL_TOPICS.health('ingest'), JSON.stringify({ state: 'up', at: new Date().toISOString() }), { qos: 1, retain: true })
  const healthTimer = setInterval(() => { if (client.connected) publishHealth() }, 5000)
  healthTimer.unref()

  // MQTT.js hands us one message at a time; we hold its callback (and so the
  // PUBACK and the next packet) only while the buffer is full. Stopping, a
  // message is passed over unacknowledged, and the broker re-delivers it to
  // the next session: MQTT.js sends no PUBACK for a callback with an error,
  // and goes on with the next packet. (Holding the callback instead stalled
  // every packet behind it, among them the PUBACKs that stop() waits for, so
  // ingest never stopped while messages kept coming.)
  const passOver = (done: (error?: Error) => void) => done(new Error('ingest is stopping: left for the next session'))
  client.handleMessage = (packet: IPublishPacket, done: (error?: Error) => void) => {
    if (isStopping) return passOver(done)
    const ack = () => done()
    void handleWithRetry(packet).then((isHandled) => {
      if (!isHandled) return passOver(done)
      if (bufferedReadings >= maxBuffered) heldAcks.push(ack)
      else ack()
    })
  }

  /** Handling needs the database (gateway lookup, status): while it is down, retry; never drop. */
  async function handleWithRetry(packet: IPublishPacket): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handle(packet)
        return true
      } catch (error) {
        stats.storeErrors++
        log.error({ err: error, topic: packet.topic, attempt }, 'message handling failed; retrying')
        if (isStopping) return false
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)))
      }
    }
  }

  async function gatewayContext(gatewayId: string): Promise<GatewayContext | null> {
    const cached = contexts.get(gatewayId)
    if (cached && Date.now() - cached.at < 30_000) return cached.ctx
    const ctx = await findGatewayContext(options.db, gatewayId)
    contexts.set(gatewayId, { ctx, at: Date.now() })
    return ctx
  }

  async function handle(packet: IPublishPacket): Promise<void> {
    const topic = parseGatewayTopic(packet.topic)
    if (!topic) return
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    if (topic.channel === 'status') return handleStatus(topic.gatewayId, payload)
    if (topic.channel !== 'measurements') return
    const receivedAt = new Date()
    const ctx = await gatewayContext(topic.gatewayId)
    const judgement: BatchJudgement =
      payload.length > MAX_BATCH_BYTES
        ? { ok: false, receipt: { batchId: null, error: { code: 'too-large', detail: `batch of ${payload.length} bytes exceeds ${MAX_BATCH_BYTES}` } } }
        : judgeBatch(payload, { receivedAt })
    stats.batches++
    const store: BatchToStore = {
      gatewayId: topic.gatewayId, tenantId: ctx?.tenantId ?? null, patientId: ctx?.patientId ?? null,
      batchId: judgement.ok ? judgement.batchId : null, receivedAt, readings: [], rejections: [],
      ...(ctx ? { conditions: ctx.conditions } : {}),
    }
    const extraRejected: Receipt['rejected'] = []
    if (!judgement.ok) {
      store.rawPayload = payload.toString('utf8')
      store.rejections.push({ id: null, code: judgement.receipt.error.code, detail: judgement.receipt.error.detail, raw: store.rawPayload })
      stats.malformed++
    } else {
      store.rejections.push(...judgement.rejected)
      for (const reading of judgement.readings) {
        const problem = !ctx?.patientId
          ? 'gateway is not assigned to a patient'
          : ctx.requiresDevicePairing && !ctx.pairedDeviceIds.has(reading.deviceId)
            ? `device ${reading.deviceId} is not paired to this gateway's patient`
            : null
        if (problem) {
          if (!extraRejected.some((r) => r.id === reading.measurementId)) {
            extraRejected.push({ id: reading.measurementId, code: 'unknown-device', detail: problem })
            store.rejections.push({ id: reading.measurementId, code: 'unknown-device', detail: problem, raw: reading })
          }
        } else store.readings.push(reading)
      }
    }
    buffer.push({ store, judgement, extraRejected })
    bufferedReadings += Math.max(1, store.readings.length)
    waitingReadings += Math.max(1, store.readings.length)
    if (waitingReadings >= flushReadings) void flush()
    else flushTimer ??= setTimeout(() => void flush(), flushIntervalMs)
  }

  async function handleStatus(gatewayId: string, payload: Buffer): Promise<void> {
    let json: unknown
    try {
      json = JSON.parse(payload.toString('utf8'))
    } catch {
      json = undefined
    }
    const parsed = gatewayStatusSchema.safeParse(json)
    if (!parsed.success) {
      log.warn({ event: 'bad-status', gatewayId }, 'ignored a malformed gateway status')
      return
    }
    const at = new Date()
    await updateGatewayStatus(options.db, gatewayId, { ...parsed.data, at })
    client.publish(INTERNAL_TOPICS.gatewayStatusStored, JSON.stringify({ gatewayId, ...parsed.data, at: at.toISOString() }), { qos: 1 })
  }

  /**
   * Starts storing what is buffered, unless MAX_FLUSHES flushes are already
   * under way (the next starts when one ends). Two at a time: while the
   * database runs one statement, ingest prepares the next and answers the
   * last, so the database does not wait for ingest between flushes. Resolves
   * when every flush under way has ended.
   */
  function flush(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    if (buffer.length > 0 && running.size < MAX_FLUSHES) {
      const run: Promise<void> = flushNow().finally(() => {
        running.delete(run)
        if (waitingReadings >= flushReadings) void flush()
        else if (buffer.length > 0) flushTimer ??= setTimeout(() => void flush(), flushIntervalMs)
      })
      running.add(run)
    }
    return Promise.all(running).then(() => {})
  }

  /** Stores everything buffered, flush after flush, until nothing is left. */
  async function drain(): Promise<void> {
    while (buffer.length > 0 || running.size > 0) await flush()
  }

  async function flushNow(): Promise<void> {
    if (buffer.length === 0) return
    const pending = buffer
    buffer = []
    waitingReadings = 0
    let result: Awaited<ReturnType<typeof storeBatches>> | undefined
    const startedAt = performance.now()
    for (let attempt = 0; !result; attempt++) {
      try {
        result = await storeBatches(options.db, pending.map((p) => p.store))
      } catch (error) {
        // The database is slow or down: keep the batches (no receipt yet) and
        // retry; held acknowledgements keep the broker from sending more.
        stats.storeErrors++
        log.error({ err: error, attempt, batches: pending.length }, 'storing failed; retrying')
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)))
        if (isStopping && attempt > 20) throw error
      }
    }
    stats.flushes++
    const storeMs = performance.now() - startedAt
    stats.storeMs += storeMs
    if (storeMs > SLOW_STORE_MS) {
      log.warn({ event: 'slow-store', ms: Math.round(storeMs), batches: pending.length, readings: bufferedCount(pending) }, 'storing a flush was slow')
    }
    bufferedReadings -= bufferedCount(pending)
    const claimed = new Set<string>()
    const events = new Map<string, MeasurementsStoredEvent>()
    pending.forEach((p, i) => {
      const { store, judgement } = p
      if (!judgement.ok) {
        publishReceipt(store.gatewayId, judgement.receipt)
        return
      }
      const duplicate = new Set<string>()
      const ids = result.readingIds[i] ?? []
      store.readings.forEach((reading, j) => {
        const key = keyOf(store.gatewayId, judgement.batchId, reading.measurementId)
        // new in this flush, and not already claimed by an earlier copy of the same batch in it
        const isNew = result.newKeys.has(key) && !claimed.has(key)
        if (!isNew) {
          duplicate.add(reading.measurementId)
          return
        }
        const eventKey = `${store.tenantId}/${store.patientId}`
        const event = events.get(eventKey) ?? { tenantId: store.tenantId ?? '', patientId: store.patientId ?? '', gatewayId: store.gatewayId, readings: [] }
        event.readings.push({
          id: ids[j] ?? '', type: reading.type, value: reading.value, unit: reading.unit,
          measuredAt: reading.measuredAt.toISOString(), flags: reading.flags,
        })
        events.set(eventKey, event)
      })
      for (const reading of store.readings) claimed.add(keyOf(store.gatewayId, judgement.batchId, reading.measurementId))
      const receipt = buildReceipt(judgement, { duplicate, extraRejected: p.extraRejected })
      stats.accepted += receipt.accepted.length
      stats.duplicate += receipt.duplicate.length
      stats.rejected += receipt.rejected.length
      publishReceipt(store.gatewayId, receipt)
      if (judgement.isClockAdjusted) {
        client.publish(gatewayTopic(store.gatewayId, 'commands'), JSON.stringify(syncClockCommand(new Date())), { qos: 1 })
      }
    })
    for (const message of measurementsStoredMessages(events.values())) {
      client.publish(INTERNAL_TOPICS.measurementsStored, message, { qos: 1 })
    }
    if (events.size > 0) rules?.wake()
    while (heldAcks.length > 0 && bufferedReadings < maxBuffered) heldAcks.shift()?.()
  }

  function publishReceipt(gatewayId: string, receipt: Receipt | MalformedReceipt): void {
    client.publish(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(receipt), { qos: 1 })
  }

  return {
    ready,
    isConnected: () => client.connected,
    stats: () => ({ ...stats, rules: rules?.stats() ?? null }),
    rules,
    escalation,
    async stop() {
      isStopping = true
      clearInterval(healthTimer)
      await drain()
      await rules?.stop()
      await escalation?.stop()
      if (client.connected) {
        await client.publishAsync(INTERNAL_TOPICS.health('ingest'), JSON.stringify({ state: 'down', at: new Date().toISOString() }), { qos: 1, retain: true })
      }
      await new Promise<void>((resolve) => client.end(false, {}, () => resolve()))
      log.info({ event: 'stopped', ...stats }, 'ingest stopped')
    },
  }
}
