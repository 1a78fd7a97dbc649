import { serviceUsername, servicePassword } from '@varde/config'
import { INTERNAL_TOPICS } from '@varde/domain'
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt'
import type { Logger } from 'pino'

/** Ingest's MQTT session: what the other rooms of ingest need of it. */
export interface IngestConnection {
  /** Resolves once connected and subscribed to the gateways' measurements and status. */
  ready: Promise<void>
  isConnected(): boolean
  /** QoS 1, fire and forget: MQTT.js keeps it until the broker has it (a receipt, an event). */
  publish(topic: string, payload: string): void
  /** Hands every message to `handle`, one at a time (MQTT.js's own order); `done` acknowledges it, `done(error)` passes it over. */
  onMessage(handle: (packet: IPublishPacket, done: (error?: Error) => void) => void): void
  /** Says `down` on the health topic (retained); resolves when the broker has it. */
  sayDown(): Promise<void>
  /** Ends the session; `force`: at once, without waiting for what is in flight. */
  end(force: boolean): Promise<void>
}

export interface IngestConnectionOptions {
  mqttUrl: string
  serviceSecret: string
  /** MQTT client id of the persistent session; one per ingest instance. */
  clientId: string
  log: Logger
}

/**
 * The persistent session (docs/decisions/0003-ingest-delivery.md): clean:
 * false and QoS 1, so batches that arrive while ingest is down wait in the
 * broker; a retained liveness report every 5 s with a last will of `down`.
 */
export function connectIngest(options: IngestConnectionOptions): IngestConnection {
  const { log } = options
  const client: MqttClient = mqtt.connect(options.mqttUrl, {
    clientId: options.clientId,
    username: serviceUsername('ingest'),
    password: servicePassword(options.serviceSecret, 'ingest'),
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    will: { topic: INTERNAL_TOPICS.health('ingest'), payload: Buffer.from('{"state":"down"}'), qos: 1, retain: true },
  })
  const health = (state: 'up' | 'down') => JSON.stringify({ state, at: new Date().toISOString() })
  const sayUp = () => client.publish(INTERNAL_TOPICS.health('ingest'), health('up'), { qos: 1, retain: true })

  const ready = new Promise<void>((resolve) => {
    client.on('connect', (connack) => {
      // a receipt goes out at once, not held by Nagle's algorithm until the broker's delayed ACK
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
      log.info({ event: 'connected', sessionPresent: connack.sessionPresent }, 'ingest connected')
      client.subscribe(
        // and the platform clock's changes (docs/decisions/0014), so ingest and its rules follow a moved clock at once
        { [`varde/v1/gateways/+/measurements`]: { qos: 1 }, [`varde/v1/gateways/+/status`]: { qos: 1 }, [INTERNAL_TOPICS.clockChanged]: { qos: 1 } },
        (error) => {
          if (error) log.error({ err: error }, 'subscribe failed')
          else {
            sayUp()
            resolve()
          }
        },
      )
    })
  })
  client.on('error', (error) => log.warn({ err: error }, 'mqtt error'))
  const healthTimer = setInterval(() => { if (client.connected) sayUp() }, 5000)
  healthTimer.unref()

  return {
    ready,
    isConnected: () => client.connected,
    publish: (topic, payload) => void client.publish(topic, payload, { qos: 1 }),
    onMessage(handle) {
      client.handleMessage = handle
    },
    async sayDown() {
      clearInterval(healthTimer)
      if (client.connected) await client.publishAsync(INTERNAL_TOPICS.health('ingest'), health('down'), { qos: 1, retain: true })
    },
    end(force) {
      clearInterval(healthTimer)
      return new Promise<void>((resolve) => client.end(force, {}, () => resolve()))
    },
  }
}
