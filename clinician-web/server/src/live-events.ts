import { EventEmitter } from 'node:events'
import { serviceUsername, servicePassword } from '@varde/config'
import { INTERNAL_TOPICS, INTERNAL_TOPIC_ROOT, type MeasurementsStoredEvent } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import type { Logger } from 'pino'

/**
 * The server's view of the platform's internal events (it meets ingest only
 * through MQTT): stored measurements for live pages, and the other services'
 * liveness for /healthz.
 */
export interface LiveEvents {
  onMeasurements(listener: (event: MeasurementsStoredEvent) => void): () => void
  isBrokerConnected(): boolean
  /** Last liveness report of a service (retained message with a last will). */
  serviceHealth(service: string): { state: 'up' | 'down'; at: Date } | undefined
  ready: Promise<void>
  close(): Promise<void>
}

export function connectLiveEvents(options: { mqttUrl: string; serviceSecret: string; logger: Logger; clientId?: string }): LiveEvents {
  const log = options.logger.child({ part: 'server-events' })
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  const health = new Map<string, { state: 'up' | 'down'; at: Date }>()
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
        emitter.emit('measurements', JSON.parse(payload.toString()) as MeasurementsStoredEvent)
      } else if (topic.startsWith(`${INTERNAL_TOPIC_ROOT}/health/`)) {
        const service = topic.slice(`${INTERNAL_TOPIC_ROOT}/health/`.length)
        const body = JSON.parse(payload.toString()) as { state?: string; at?: string }
        health.set(service, { state: body.state === 'up' ? 'up' : 'down', at: body.at ? new Date(body.at) : new Date() })
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
    isBrokerConnected: () => client.connected,
    serviceHealth: (service) => health.get(service),
    close: () => client.endAsync(),
  }
}
