import { setTimeout as sleep } from 'node:timers/promises'
import { serviceUsername, servicePassword } from '@varde/config'
import {
  findGatewayContext, updateGatewayStatus, type BatchToStore, type GatewayContext, type Queryable,
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
import { isContentError, StopDeadlineError, storeFlush } from './store-flush.js'
import { ownsGateway, type IngestPartition } from '@varde/domain'

export interface IngestOptions {
  db: Queryable
  mqttUrl: string
  serviceSecret: string
  logger: Logger
  /** MQTT client id of the persistent session; one per ingest instance. */
  clientId?: string
  /** When several ingest processes run: the gateways this one answers for (partition.ts); unset: all. */
  partition?: IngestPartition
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
  /**
   * Stores what is buffered, then disconnects; bounded (issue 14): when the
   * deadline passes (`timeoutMs`, default 8 s, or `signal` aborted, whichever
   * comes first) it stops waiting for the database, logs what was left
   * without a receipt (`stop-deadline`: batches and readings; their gateways
   * re-send them) and disconnects at once.
   */
  stop(options?: StopOptions): Promise<void>
}

export interface StopOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

/** stop()'s deadline when none is given: within the platform's 10 s (issue 14). */
const STOP_TIMEOUT_MS = 8000

export interface IngestStats {
  batches: number
  accepted: number
  duplicate: number
  rejected: number
  malformed: number
  /** Batches rejected whole because the database could not store them (store-flush.ts). */
  unstorable: number
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
  /** The payload as received, kept whole should the batch not be storable. */
  payload: Buffer
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
  const stats: Omit<IngestStats, 'rules'> = { batches: 0, accepted: 0, duplicate: 0, rejected: 0, malformed: 0, unstorable: 0, flushes: 0, storeMs: 0, storeErrors: 0 }

  let buffer: Pending[] = []
  let bufferedReadings = 0
  let flushTimer: NodeJS.Timeout | undefined
  const running = new Set<Promise<void>>()
  /** Readings in `buffer`, not yet in a flush (`bufferedReadings` counts those being stored too, for back-pressure). */
  let waitingReadings = 0
  let isStopping = false
  /** Aborted when stop's deadline passes: retries end, nothing more is published. */
  const deadline = new AbortController()
  /** The batches of the flushes under way (for what stop leaves without a receipt). */
  const storing = new Set<Pending[]>()
  /** Batches a flush gave up on at stop's deadline: no receipt. */
  const unanswered: Pending[][] = []
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
        if (isContentError(error)) {
          // the same message fails the same way however often it is tried, and would hold every message
          // behind it (MQTT.js hands over one at a time): a status is not answered, so it is dropped (issue 14)
          log.warn({ event: 'message-unstorable', topic: packet.topic, sqlstate: error.code }, 'a message could not be stored for its content; dropped')
          return true
        }
        log.error({ err: error, topic: packet.topic, attempt }, 'message handling failed; retrying')
        if (isStopping) return false
        await sleep(Math.min(5000, 100 * 2 ** attempt), undefined, { signal: deadline.signal }).catch(() => {})
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
    // another ingest process answers this gateway: acknowledged, nothing else (partition.ts)
    if (!ownsGateway(options.partition, topic.gatewayId)) return
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
      // the bytes: kept as text if the database can hold them, else as base64 (storeBatches)
      store.rawPayload = payload
      store.rejections.push({ id: null, code: judgement.receipt.error.code, detail: judgement.receipt.error.detail, raw: payload })
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
    buffer.push({ store, judgement, extraRejected, payload })
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
    storing.add(pending)
    let result: Awaited<ReturnType<typeof storeFlush>>
    const startedAt = performance.now()
    try {
      result = await storeFlush(
        { db: options.db, log, deadline: deadline.signal, onError: () => stats.storeErrors++ },
        pending.map((p) => p.store),
        (i, detail) => unstorableRejection(pending[i] as Pending, detail),
      )
    } catch (error) {
      // stop's deadline passed: these batches get no receipt, and their gateways re-send them
      if (error instanceof StopDeadlineError) {
        unanswered.push(pending)
        return
      }
      throw error
    } finally {
      storing.delete(pending)
    }
    // the deadline passed while the statement ran: what it stored is answered when re-sent (duplicate)
    if (deadline.signal.aborted) {
      unanswered.push(pending)
      return
    }
    stats.flushes++
    const storeMs = performance.now() - startedAt
    stats.storeMs += storeMs
    if (storeMs > SLOW_STORE_MS) {
      log.warn({ event: 'slow-store', ms: Math.round(storeMs), batches: pending.length, readings: bufferedCount(pending) }, 'storing a flush was slow')
    }
    bufferedReadings -= bufferedCount(pending)
    const events = new Map<string, MeasurementsStoredEvent>()
    pending.forEach((p, i) => {
      const { store, judgement } = p
      if (!judgement.ok) {
        publishReceipt(store.gatewayId, judgement.receipt)
        return
      }
      const unstorable = result.failed.get(i)
      if (unstorable !== undefined) {
        // kept whole as a rejection (store-flush.ts): each measurement not already rejected is answered so
        stats.unstorable++
        const extraRejected = [...p.extraRejected]
        for (const id of new Set(store.readings.map((r) => r.measurementId))) {
          if (!extraRejected.some((r) => r.id === id)) extraRejected.push({ id, code: 'malformed-batch', detail: unstorable })
        }
        const receipt = buildReceipt(judgement, { extraRejected })
        stats.rejected += receipt.rejected.length
        publishReceipt(store.gatewayId, receipt)
        return
      }
      // a measurement is accepted when a reading of it was stored now, else it is a duplicate (by either
      // key of device-protocol.md "Delivery": stored before, or by an earlier copy in this flush)
      const ids = result.readingIds[i] ?? []
      const storedIds = new Set<string>()
      store.readings.forEach((reading, j) => {
        const id = ids[j] ?? ''
        if (id === '') return
        storedIds.add(reading.measurementId)
        const eventKey = `${store.tenantId}/${store.patientId}`
        const event = events.get(eventKey) ?? { tenantId: store.tenantId ?? '', patientId: store.patientId ?? '', gatewayId: store.gatewayId, readings: [] }
        event.readings.push({
          id, type: reading.type, value: reading.value, unit: reading.unit,
          measuredAt: reading.measuredAt.toISOString(), flags: reading.flags,
        })
        events.set(eventKey, event)
      })
      const duplicate = store.readings.map((r) => r.measurementId).filter((id) => !storedIds.has(id))
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

  /** A batch the database could not store, as a rejection of the whole, its payload kept for review. */
  function unstorableRejection(p: Pending, detail: string): BatchToStore {
    return {
      gatewayId: p.store.gatewayId, tenantId: p.store.tenantId, patientId: p.store.patientId, batchId: p.store.batchId,
      receivedAt: p.store.receivedAt, readings: [], rejections: [{ id: null, code: 'malformed-batch', detail, raw: p.payload }],
    }
  }

  /** Waits for a step of stopping until the deadline: true when it finished (or failed) in time. */
  function beforeDeadline(step: Promise<unknown>): Promise<boolean> {
    if (deadline.signal.aborted) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const onAbort = () => resolve(false)
      deadline.signal.addEventListener('abort', onAbort, { once: true })
      step.then(
        () => resolve(true),
        (error: unknown) => {
          log.error({ err: error }, 'a step of stopping failed')
          resolve(true)
        },
      ).finally(() => deadline.signal.removeEventListener('abort', onAbort))
    })
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
    async stop(stopOptions: StopOptions = {}) {
      isStopping = true
      clearInterval(healthTimer)
      const timer = setTimeout(() => deadline.abort(), stopOptions.timeoutMs ?? STOP_TIMEOUT_MS)
      const onAbort = () => deadline.abort()
      stopOptions.signal?.addEventListener('abort', onAbort, { once: true })
      if (stopOptions.signal?.aborted) deadline.abort()
      // each step may wait for the database; none waits past the deadline
      const isDrained = await beforeDeadline(drain())
      if (!isDrained) {
        const left = [...storing, ...unanswered, buffer]
        log.warn({
          event: 'stop-deadline', batches: left.reduce((n, ps) => n + ps.length, 0), readings: left.reduce((n, ps) => n + bufferedCount(ps), 0),
        }, 'ingest stopped before these batches were stored; they have no receipt, and their gateways re-send them')
      }
      await beforeDeadline(Promise.all([rules?.stop(), escalation?.stop()]))
      if (client.connected && !deadline.signal.aborted) {
        await beforeDeadline(client.publishAsync(INTERNAL_TOPICS.health('ingest'), JSON.stringify({ state: 'down', at: new Date().toISOString() }), { qos: 1, retain: true }))
      }
      // past the deadline, at once: the broker keeps the session and re-delivers what was not acknowledged
      await new Promise<void>((resolve) => client.end(deadline.signal.aborted, {}, () => resolve()))
      clearTimeout(timer)
      if (flushTimer) clearTimeout(flushTimer)
      stopOptions.signal?.removeEventListener('abort', onAbort)
      log.info({ event: 'stopped', ...stats }, 'ingest stopped')
    },
  }
}
