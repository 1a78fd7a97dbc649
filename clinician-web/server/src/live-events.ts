import { EventEmitter } from 'node:events'
import { serviceUsername, servicePassword } from '@varde/config'
import {
  alertChangedEventSchema, careTeamChangedEventSchema, INTERNAL_TOPICS, INTERNAL_TOPIC_ROOT, measurementsStoredMessageSchema, type AlertChangedEvent,
  type BrokerStatsSnapshot, type CareTeamChangedEvent, type MeasurementsStoredEvent,
} from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { brokerStatsSnapshotSchema } from './broker-metrics.js'

/**
 * The server's view of the platform's internal events (it meets ingest only
 * through MQTT): stored measurements and changed alerts for live pages, and
 * the other services' liveness for /healthz.
 */
export interface LiveEvents {
  onMeasurements(listener: (event: MeasurementsStoredEvent) => void): () => void
  /** An alert opened or changed (by the rules, a person, escalation): ids and revision only, the database has the rest. */
  onAlertChanged(listener: (event: AlertChangedEvent) => void): () => void
  /** Who may see a patient changed (any server's care-team write): streams drop the patient and read their access again. */
  onCareTeamChanged(listener: (event: CareTeamChangedEvent) => void): () => void
  isBrokerConnected(): boolean
  /** Last liveness report of a service (retained message with a last will). */
  serviceHealth(service: string): { state: 'up' | 'down'; at: Date } | undefined
  /** The latest stats snapshot of each broker instance that is still publishing (stale ones dropped). */
  brokerStats(): BrokerStatsSnapshot[]
  onBrokerStats(listener: (snapshot: BrokerStatsSnapshot) => void): () => void
  /** Publishes with the server's service identity (e.g. a gateway revocation order), QoS 1; resolves once the broker has it. */
  publish(topic: string, payload: string): Promise<void>
  /**
   * A change the database already has, told to the other parts: published as
   * `publish` does, waiting at most 2 s for the broker; false, and a warning
   * in `log` with `about`, when it did not get there. The one way routes
   * announce (care team, clock, and the alert actions' outbox events).
   */
  announce(topic: string, payload: string, log: Pick<Logger, 'warn'>, about: { event: string } & Record<string, unknown>): Promise<boolean>
  ready: Promise<void>
  close(): Promise<void>
}

const BROKER_STATS_PREFIX = INTERNAL_TOPICS.brokerStats('')
/** How long an announcement waits for the broker before the request goes on without it. */
const ANNOUNCE_TIMEOUT_MS = 2000

export function connectLiveEvents(options: { mqttUrl: string; serviceSecret: string; logger: Logger; clientId?: string }): LiveEvents {
  const log = options.logger.child({ part: 'server-events' })
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  const health = new Map<string, { state: 'up' | 'down'; at: Date }>()
  const brokers = new Map<string, { snapshot: BrokerStatsSnapshot; receivedAt: number }>()
  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: options.clientId ?? `varde-server-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    username: serviceUsername('server'),
    password: servicePassword(options.serviceSecret, 'server'),
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
  })
  const ready = new Promise<void>((resolve) => {
    client.on('connect', () => {
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true) // PUBACKs without Nagle's delay
      client.subscribe(`${INTERNAL_TOPIC_ROOT}/#`, { qos: 1 }, (error) => {
        if (error) log.error({ err: error }, 'subscribe failed')
        resolve()
      })
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))
  client.on('message', (topic, payload) => {
    try {
      if (topic === INTERNAL_TOPICS.measurementsStored) {
        for (const event of measurementsStoredMessageSchema.parse(JSON.parse(payload.toString()))) emitter.emit('measurements', event)
      } else if (topic === INTERNAL_TOPICS.alertsChanged) {
        emitter.emit('alert-changed', alertChangedEventSchema.parse(JSON.parse(payload.toString())))
      } else if (topic === INTERNAL_TOPICS.careTeamChanged) {
        emitter.emit('care-team-changed', careTeamChangedEventSchema.parse(JSON.parse(payload.toString())))
      } else if (topic.startsWith(`${INTERNAL_TOPIC_ROOT}/health/`)) {
        const service = topic.slice(`${INTERNAL_TOPIC_ROOT}/health/`.length)
        const body = JSON.parse(payload.toString()) as { state?: string; at?: string }
        health.set(service, { state: body.state === 'up' ? 'up' : 'down', at: body.at ? new Date(body.at) : new Date() })
      } else if (topic.startsWith(BROKER_STATS_PREFIX)) {
        const brokerId = topic.slice(BROKER_STATS_PREFIX.length)
        if (payload.length === 0) brokers.delete(brokerId) // the instance stopped cleanly
        else {
          const snapshot = brokerStatsSnapshotSchema.parse(JSON.parse(payload.toString()))
          brokers.set(brokerId, { snapshot, receivedAt: Date.now() })
          emitter.emit('broker-stats', snapshot)
        }
      }
    } catch (error) {
      log.warn({ err: error, topic }, 'ignored a malformed internal event')
    }
  })
  return {
    ready,
    onMeasurements(listener) {
      emitter.on('measurements', listener)
      return () => emitter.off('measurements', listener)
    },
    onCareTeamChanged(listener) {
      emitter.on('care-team-changed', listener)
      return () => emitter.off('care-team-changed', listener)
    },
    onAlertChanged(listener) {
      emitter.on('alert-changed', listener)
      return () => emitter.off('alert-changed', listener)
    },
    isBrokerConnected: () => client.connected,
    serviceHealth: (service) => health.get(service),
    // by receive time (no clock comparison across hosts): an instance silent for three intervals is gone
    brokerStats: () => [...brokers.values()].filter((b) => Date.now() - b.receivedAt < 3 * b.snapshot.intervalMs).map((b) => b.snapshot),
    onBrokerStats(listener) {
      emitter.on('broker-stats', listener)
      return () => emitter.off('broker-stats', listener)
    },
    publish: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1 })
    },
    async announce(topic, payload, requestLog, about) {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ANNOUNCE_TIMEOUT_MS).unref())
      const sent = client.publishAsync(topic, payload, { qos: 1 }).then(() => 'sent' as const, () => 'failed' as const)
      const result = await Promise.race([sent, timeout])
      if (result !== 'sent') requestLog.warn({ ...about, result }, `${about.event}: not announced over MQTT`)
      return result === 'sent'
    },
    // connected: what is in flight is acknowledged first; with the broker away that would wait for its return
    close: () => client.endAsync(!client.connected),
  }
}
