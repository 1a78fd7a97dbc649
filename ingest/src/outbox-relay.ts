import { serviceUsername, servicePassword } from '@varde/config'
import { claimOutboxEvents, deleteOutboxEvents, releaseOutboxEvents, type OutboxEvent, type Queryable } from '@varde/db'
import { alertChangedEvent, INTERNAL_TOPICS, type AlertChangeFacts } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'

export interface OutboxRelayOptions {
  db: Queryable
  mqttUrl: string
  serviceSecret: string
  logger: Logger
  /** MQTT client id (a clean session: what it has not published stays in the outbox, not in the broker). */
  clientId?: string
  /** Events per round (default 100). */
  batchSize?: number
  /** How often to look for events nobody woke us for: another instance's, a crashed relay's (default 1 s). */
  pollIntervalMs?: number
  /** How long a claim holds an event from other relays (default 30 s): a relay that dies leaves them to run out. */
  leaseMs?: number
}

export interface OutboxRelayStats {
  rounds: number
  published: number
  /** Rows that failed the topic's builder: logged and deleted (they can never be published). */
  invalid: number
  errors: number
}

export interface OutboxRelay {
  ready: Promise<void>
  /** Events were written: publish them now. */
  wake(): void
  /** Resolves when the outbox held nothing for this relay and it is idle (tests, shutdown). */
  drain(): Promise<void>
  stats(): OutboxRelayStats
  /** Ends the round under way (at most `timeoutMs`, default 3 s), then disconnects; what is left stays in the outbox. */
  stop(options?: { timeoutMs?: number }): Promise<void>
}

/** The topics the outbox carries, each with the @varde/domain builder that checks and shapes its message. */
const BUILDERS: Record<string, (payload: unknown) => unknown> = {
  [INTERNAL_TOPICS.alertsChanged]: (payload) => alertChangedEvent(payload as AlertChangeFacts),
}

/**
 * The outbox relay (issue 15, migration 0011, docs/decisions/0011): a part of
 * its own, started by the composition root. A write that must announce itself
 * puts its event in `event_outbox` in the same statement; this claims the
 * events in id order, builds each message with its topic's builder, publishes
 * it with QoS 1, and deletes the events once the broker has them all. A crash
 * anywhere leaves the events in the outbox, published by the next round (its
 * own after a restart, or another instance's once the claim runs out): at
 * least once, never lost. Consumers keep an alert's highest revision, so a
 * repeat changes nothing. Only single statements: it works through the
 * embedded database's wire gate, and needs no LISTEN/NOTIFY (a wake from the
 * writer in the same process, a poll for the others).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db } = options
  const log = options.logger.child({ part: 'outbox-relay' })
  const batchSize = options.batchSize ?? 100
  const leaseMs = options.leaseMs ?? 30_000
  const stats: OutboxRelayStats = { rounds: 0, published: 0, invalid: 0, errors: 0 }
  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: options.clientId ?? `varde-outbox-relay-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    username: serviceUsername('ingest'),
    password: servicePassword(options.serviceSecret, 'ingest'),
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
  })
  const ready = new Promise<void>((resolve) => {
    client.once('connect', () => {
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true) // an alert goes out at once, not after Nagle's delay
      resolve()
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))
  // back from a broker outage: publish what waited
  client.on('connect', () => {
    wantRound = true
    poke()
  })

  let isStopped = false
  let wantRound = true // at start: whatever a previous run left
  let signal: (() => void) | null = null
  let idleWaiters: (() => void)[] = []
  const poke = () => {
    const s = signal
    signal = null
    s?.()
  }
  const pollTimer = setInterval(() => { wantRound = true; poke() }, options.pollIntervalMs ?? 1000)
  pollTimer.unref()

  const loop = (async () => {
    await ready
    while (!isStopped) {
      if (wantRound) {
        wantRound = false
        // a full round: more may wait
        if (await round()) wantRound = true
      } else {
        const waiters = idleWaiters
        idleWaiters = []
        waiters.forEach((w) => w())
        await new Promise<void>((resolve) => { signal = resolve })
      }
    }
    ;[...idleWaiters].forEach((w) => w())
  })()

  /** One claim, publish and delete; true when the claim was full. */
  async function round(): Promise<boolean> {
    // no claims while the broker is away: they would hold the events from other relays for the lease
    if (!client.connected) return false
    let events: OutboxEvent[]
    try {
      events = await claimOutboxEvents(db, { limit: batchSize, leaseMs })
    } catch (error) {
      stats.errors++
      log.error({ err: error }, 'claiming outbox events failed; retrying at the next poll')
      return false
    }
    if (events.length === 0) return false
    stats.rounds++
    const messages: { id: string; topic: string; payload: string }[] = []
    const invalid: string[] = []
    for (const e of events) {
      const build = BUILDERS[e.topic]
      try {
        if (!build) throw new Error(`no builder for topic ${e.topic}`)
        messages.push({ id: e.id, topic: e.topic, payload: JSON.stringify(build(e.payload)) })
      } catch (error) {
        // a row that cannot become a message never will: kept would block nothing but fill the table
        stats.invalid++
        invalid.push(e.id)
        log.error({ err: error, event: 'outbox-invalid', outboxId: e.id, topic: e.topic }, 'an outbox event is invalid; dropped')
      }
    }
    // sent in id order over one connection, so the broker gets an alert's revisions in order
    const acked = await Promise.allSettled(messages.map((m) => client.publishAsync(m.topic, m.payload, { qos: 1 })))
    const sent = messages.filter((_, i) => acked[i]?.status === 'fulfilled').map((m) => m.id)
    const unsent = messages.filter((_, i) => acked[i]?.status !== 'fulfilled').map((m) => m.id)
    stats.published += sent.length
    try {
      await deleteOutboxEvents(db, [...sent, ...invalid])
      if (unsent.length > 0) {
        stats.errors++
        log.warn({ event: 'outbox-unpublished', events: unsent.length }, 'outbox events not published; left for the next round')
        await releaseOutboxEvents(db, unsent)
        return false
      }
    } catch (error) {
      // published but not deleted: published again when the claim runs out (at least once)
      stats.errors++
      log.error({ err: error }, 'deleting published outbox events failed; they will be published again')
      return false
    }
    return events.length === batchSize
  }

  return {
    ready,
    wake() {
      wantRound = true
      poke()
    },
    drain() {
      if (isStopped) return Promise.resolve()
      wantRound = true
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve))
      poke()
      return idle
    },
    stats: () => ({ ...stats }),
    async stop(stopOptions = {}) {
      isStopped = true
      clearInterval(pollTimer)
      poke()
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, stopOptions.timeoutMs ?? 3000).unref())
      await Promise.race([loop, timeout])
      // a round still waiting for the broker: its events stay claimed and are published when the claim runs out
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()))
      log.info({ event: 'stopped', ...stats }, 'outbox relay stopped')
    },
  }
}
