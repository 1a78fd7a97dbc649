import { PlatformClock, type Queryable } from '@varde/db'
import { INTERNAL_TOPICS, ownsGateway, parseGatewayTopic, type IngestPartition } from '@varde/domain'
import type { IPublishPacket } from 'mqtt'
import type { Logger } from 'pino'
import { bufferedCount, takeBatch, unstorableRejection, type Pending } from './batch-intake.js'
import { answerFlush } from './flush-answer.js'
import { flushBuffer } from './flush-buffer.js'
import { gatewayContexts } from './gateway-contexts.js'
import { storeGatewayStatus } from './gateway-status.js'
import { connectIngest } from './ingest-connection.js'
import { newIngestStats, type IngestStats } from './ingest-stats.js'
import { handleWithRetry } from './message-retry.js'
import { beforeDeadline } from './stop-deadline.js'
import { StopDeadlineError, storeFlush } from './store-flush.js'

export type { IngestStats } from './ingest-stats.js'

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
  /**
   * Called after a flush stored readings: the composition root wakes the rules
   * worker with it (the readings are on the durable `rule_work` queue either
   * way; this only spares the worker's sweep interval).
   */
  onStored?: () => void
  /**
   * The platform clock (docs/decisions/0014): ingest stamps batches by it and
   * reloads it on `INTERNAL_TOPICS.clockChanged`; the composition root shares
   * it with the rules worker. Default: one of ingest's own.
   */
  clock?: PlatformClock
}

export interface IngestService {
  /** Resolves once connected and subscribed. */
  ready: Promise<void>
  isConnected(): boolean
  stats(): IngestStats
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

/** A flush whose statement took longer than this is logged (`slow-store`): receipts wait for it. */
const SLOW_STORE_MS = 250

/**
 * Ingest: MQTT → judge (domain) → store (one statement per flush) → receipts
 * and events. A receipt is published only after its batch is committed.
 * This file only wires the rooms (issue 15, docs/decisions/0011): the
 * session (ingest-connection.ts), judging (batch-intake.ts), retry
 * (message-retry.ts), buffering and flush scheduling (flush-buffer.ts),
 * storing (store-flush.ts), answering (flush-answer.ts), gateway status
 * (gateway-status.ts). The rules worker and escalation are parts of their
 * own, started by the composition root.
 *
 * Delivery (docs/decisions/0003-ingest-delivery.md): the persistent session
 * (clean: false, QoS 1) keeps batches that arrive while ingest is down; a
 * batch is acknowledged to the broker when it enters the bounded buffer, and
 * the gateway keeps it until the receipt arrives and re-sends otherwise, so a
 * crash between the two loses nothing and the idempotency key stores nothing
 * twice.
 */
export function startIngest(options: IngestOptions): IngestService {
  const log = options.logger.child({ part: 'ingest' })
  const { db } = options
  const stats = newIngestStats()
  let isStopping = false
  /** Aborted when stop's deadline passes: retries end, nothing more is published. */
  const deadline = new AbortController()
  const connection = connectIngest({
    mqttUrl: options.mqttUrl, serviceSecret: options.serviceSecret, clientId: options.clientId ?? 'varde-ingest', log,
  })
  const contexts = gatewayContexts(db)
  const clock = options.clock ?? new PlatformClock(db)
  const isOwnClock = options.clock === undefined
  // a database down at start leaves the wall clock until the clock's next reload: ingest starts all the same
  const clockReady = isOwnClock
    ? clock.start().catch((error: unknown) => log.warn({ err: error, event: 'clock-not-loaded' }, 'platform clock not loaded; on the wall clock until it is'))
    : Promise.resolve()
  const buffer = flushBuffer({
    flushReadings: options.flushReadings ?? 2000,
    flushIntervalMs: options.flushIntervalMs ?? 10,
    maxBuffered: options.maxBufferedReadings ?? 20_000,
    storeAndAnswer,
  })

  // MQTT.js hands us one message at a time; we hold its callback (and so the
  // PUBACK and the next packet) only while the buffer is full. Stopping, a
  // message is passed over unacknowledged, and the broker re-delivers it to
  // the next session: MQTT.js sends no PUBACK for a callback with an error,
  // and goes on with the next packet. (Holding the callback instead stalled
  // every packet behind it, among them the PUBACKs that stop() waits for, so
  // ingest never stopped while messages kept coming.)
  const passOver = (done: (error?: Error) => void) => done(new Error('ingest is stopping: left for the next session'))
  const retry = { log, isStopping: () => isStopping, deadline: deadline.signal, onError: () => stats.storeErrors++ }
  connection.onMessage((packet, done) => {
    if (packet.topic === INTERNAL_TOPICS.clockChanged) {
      // a failed reload keeps the last setting; the periodic reload catches up
      void clock.refresh().catch((error: unknown) => log.warn({ err: error }, 'platform clock not reloaded')).finally(() => done())
      return
    }
    if (isStopping) return passOver(done)
    void handleWithRetry(retry, packet, handle).then((isHandled) => {
      if (!isHandled) return passOver(done)
      buffer.acknowledge(() => done())
    })
  })

  async function handle(packet: IPublishPacket): Promise<void> {
    const topic = parseGatewayTopic(packet.topic)
    if (!topic) return
    // another ingest process answers this gateway: acknowledged, nothing else (partition.ts)
    if (!ownsGateway(options.partition, topic.gatewayId)) return
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    if (topic.channel === 'status') return storeGatewayStatus({ db, log, publish: connection.publish }, topic.gatewayId, payload)
    if (topic.channel !== 'measurements') return
    // the platform's time: a gateway whose clock follows it (sync-clock) is judged by it (decision 0014)
    const receivedAt = clock.now()
    const pending = takeBatch(topic.gatewayId, payload, await contexts.of(topic.gatewayId), receivedAt)
    stats.batches++
    if (!pending.judgement.ok) stats.malformed++
    buffer.add(pending)
  }

  /** One flush: stored in one statement (store-flush.ts), then answered; false when stop's deadline left it unanswered. */
  async function storeAndAnswer(pending: Pending[]): Promise<boolean> {
    const startedAt = performance.now()
    let result
    try {
      result = await storeFlush(
        { db, log, deadline: deadline.signal, onError: () => stats.storeErrors++ },
        pending.map((p) => p.store),
        (i, detail) => unstorableRejection(pending[i] as Pending, detail),
      )
    } catch (error) {
      // stop's deadline passed: these batches get no receipt, and their gateways re-send them
      if (error instanceof StopDeadlineError) return false
      throw error
    }
    // the deadline passed while the statement ran: what it stored is answered when re-sent (duplicate)
    if (deadline.signal.aborted) return false
    stats.flushes++
    const storeMs = performance.now() - startedAt
    stats.storeMs += storeMs
    if (storeMs > SLOW_STORE_MS) {
      log.warn({ event: 'slow-store', ms: Math.round(storeMs), batches: pending.length, readings: bufferedCount(pending) }, 'storing a flush was slow')
    }
    if (answerFlush(pending, result, { publish: connection.publish, stats, now: () => clock.now() })) options.onStored?.()
    return true
  }

  return {
    ready: Promise.all([connection.ready, clockReady]).then(() => {}),
    isConnected: connection.isConnected,
    stats: () => ({ ...stats }),
    async stop(stopOptions: StopOptions = {}) {
      isStopping = true
      const timer = setTimeout(() => deadline.abort(), stopOptions.timeoutMs ?? STOP_TIMEOUT_MS)
      const onAbort = () => deadline.abort()
      stopOptions.signal?.addEventListener('abort', onAbort, { once: true })
      if (stopOptions.signal?.aborted) deadline.abort()
      // each step may wait for the database; none waits past the deadline
      const isDrained = await beforeDeadline(deadline.signal, buffer.drain(), log)
      if (!isDrained) {
        log.warn({ event: 'stop-deadline', ...buffer.unanswered() },
          'ingest stopped before these batches were stored; they have no receipt, and their gateways re-send them')
      }
      if (connection.isConnected() && !deadline.signal.aborted) await beforeDeadline(deadline.signal, connection.sayDown(), log)
      // past the deadline, at once: the broker keeps the session and re-delivers what was not acknowledged
      await connection.end(deadline.signal.aborted)
      clearTimeout(timer)
      buffer.stop()
      if (isOwnClock) clock.stop()
      stopOptions.signal?.removeEventListener('abort', onAbort)
      log.info({ event: 'stopped', ...stats }, 'ingest stopped')
    },
  }
}
