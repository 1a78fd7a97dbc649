import { serviceUsername, servicePassword } from '@varde/config'
import { claimOutboxEvents, publishOutboxEvents, startWorkLoop, type OutboxEvent, type Queryable } from '@varde/db'
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
  /**
   * Events their writing statement claimed for this relay (`claimedByWriter`,
   * the rules worker's): published at once, in the order handed, without a
   * claim of their own and without waiting for a round of claims.
   */
  publish(events: readonly OutboxEvent[]): void
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
  client.on('connect', () => loop.wake('round'))

  /** Events claimed for us by their writer, waiting to be published. */
  let held: OutboxEvent[] = []
  // at start: whatever a previous run left; the poll: events nobody woke us for (another instance's, a crashed relay's)
  const loop = startWorkLoop({ round: { run: round, atStart: true, everyMs: options.pollIntervalMs ?? 1000 } }, { after: ready })
  // the writers' events on a loop of their own: they never wait behind a claim queued on the database (a poll's)
  const own = startWorkLoop({ held: { run: publishHeld } }, { after: ready })

  async function publishHeld(): Promise<void> {
    if (!client.connected || held.length === 0) return
    const events = held
    held = []
    await publish(events)
  }

  /** One claim; a full claim wakes the next round at once. */
  async function round(): Promise<void> {
    // no claims while the broker is away: they would hold the events from other relays for the lease
    if (!client.connected) return
    if (held.length > 0) own.wake('held') // back from a broker outage
    let events: OutboxEvent[]
    try {
      events = await claimOutboxEvents(db, { limit: batchSize, leaseMs })
    } catch (error) {
      stats.errors++
      log.error({ err: error }, 'claiming outbox events failed; retrying at the next poll')
      return
    }
    if (events.length > 0 && (await publish(events)) && events.length === batchSize) loop.wake('round')
  }

  /** Publishes, deletes what the broker has; false when something is left for a later round. */
  async function publish(events: readonly OutboxEvent[]): Promise<boolean> {
    stats.rounds++
    try {
      const done = await publishOutboxEvents(db, events, {
        build: (e) => {
          const build = BUILDERS[e.topic]
          if (!build) throw new Error(`no builder for topic ${e.topic}`)
          return JSON.stringify(build(e.payload))
        },
        publish: async (topic, payload) => { await client.publishAsync(topic, payload, { qos: 1 }) },
        onInvalid: (e, error) => log.error({ err: error, event: 'outbox-invalid', outboxId: e.id, topic: e.topic }, 'an outbox event is invalid; dropped'),
      })
      stats.published += done.published
      stats.invalid += done.invalid
      if (done.unpublished > 0) {
        stats.errors++
        log.warn({ event: 'outbox-unpublished', events: done.unpublished }, 'outbox events not published; left for the next round')
        return false
      }
      return true
    } catch (error) {
      // published but not deleted: published again when the claim runs out (at least once)
      stats.errors++
      log.error({ err: error }, 'deleting published outbox events failed; they will be published again')
      return false
    }
  }

  return {
    ready,
    wake: () => loop.wake('round'),
    publish(events) {
      if (events.length === 0) return
      held.push(...events)
      own.wake('held')
    },
    drain: async () => {
      await own.drain('held')
      await loop.drain('round')
    },
    stats: () => ({ ...stats }),
    async stop(stopOptions = {}) {
      // a round still waiting for the broker: its events stay claimed and are published when the claim runs out
      await Promise.all([loop.stop({ timeoutMs: stopOptions.timeoutMs ?? 3000 }), own.stop({ timeoutMs: stopOptions.timeoutMs ?? 3000 })])
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()))
      log.info({ event: 'stopped', ...stats }, 'outbox relay stopped')
    },
  }
}
