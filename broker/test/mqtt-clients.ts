import { servicePassword, serviceUsername, type ServiceName } from '@varde/config'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'

/** What a refused or accepted CONNECT looks like to a real client. */
export type ConnectOutcome = { connected: true; client: MqttClient } | { connected: false; returnCode: number | undefined; message: string }

/** Connects once (no reconnect) and reports the CONNACK: connected, or refused with its return code. */
export async function tryConnect(url: string, options: IClientOptions): Promise<ConnectOutcome> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options })
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ connected: true, client }))
    client.once('error', (error: Error & { code?: number }) => {
      client.end(true)
      resolve({ connected: false, returnCode: error.code, message: error.message })
    })
    client.once('close', () => {
      if (!client.connected) resolve({ connected: false, returnCode: undefined, message: 'closed' })
    })
  })
}

/** A gateway as the protocol describes it: client id = username = gateway id, persistent session. */
export async function connectGateway(url: string, gatewayId: string, secret = `${gatewayId}-secret`, extra: IClientOptions = {}): Promise<MqttClient> {
  const outcome = await tryConnect(url, { clientId: gatewayId, username: gatewayId, password: secret, clean: false, ...extra })
  if (!outcome.connected) throw new Error(`${gatewayId} refused: ${outcome.message}`)
  return outcome.client
}

export async function connectService(url: string, service: ServiceName, serviceSecret: string, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const outcome = await tryConnect(url, { clientId, username: serviceUsername(service), password: servicePassword(serviceSecret, service), ...extra })
  if (!outcome.connected) throw new Error(`${service} refused: ${outcome.message}`)
  return outcome.client
}

/** Resolves when the client's connection closes (the broker cut it off). */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve()
    client.once('close', () => resolve())
  })
}

/** A queue of the messages a client receives, to await one by one. */
export function messagesOf(client: MqttClient): { next(): Promise<{ topic: string; payload: string }>; received: { topic: string; payload: string }[] } {
  const received: { topic: string; payload: string }[] = []
  const waiting: ((m: { topic: string; payload: string }) => void)[] = []
  let read = 0
  client.on('message', (topic, payload) => {
    const m = { topic, payload: payload.toString() }
    received.push(m)
    const w = waiting.shift()
    if (w) { read++; w(m) }
  })
  return {
    received,
    next: () => {
      if (read < received.length) return Promise.resolve(received[read++]!)
      return new Promise((resolve) => waiting.push(resolve))
    },
  }
}
