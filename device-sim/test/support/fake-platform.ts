import { gatewayTopic, type Command, type Receipt } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'

export interface ReceivedMessage {
  topic: string
  gatewayId: string
  text: string
  json: unknown
  isRetained: boolean
}

/** The batch envelope as a gateway sends it (what the tests look at). */
export interface SentBatch {
  batchId: string
  sentAt: string
  measurements: Record<string, unknown>[]
}

type Predicate = (message: ReceivedMessage) => boolean

/**
 * Plays the platform's side of device-protocol.md in integration tests:
 * reads what gateways publish, answers with receipts and commands. Waiting
 * is by message, never by time.
 */
export class FakePlatform {
  private readonly buffered: ReceivedMessage[] = []
  private readonly waiters: { predicate: Predicate; resolve(message: ReceivedMessage): void }[] = []

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString('utf8')
      let json: unknown = undefined
      try {
        json = JSON.parse(text)
      } catch {
        // kept as text
      }
      const message: ReceivedMessage = { topic, gatewayId: topic.split('/')[3] ?? '', text, json, isRetained: packet.retain }
      const waiter = this.waiters.findIndex((w) => w.predicate(message))
      if (waiter >= 0) {
        const [w] = this.waiters.splice(waiter, 1)
        w?.resolve(message)
      } else {
        this.buffered.push(message)
      }
    })
  }

  /** Connects and subscribes to every gateway's measurements and status. */
  static async connect(url: string, clientId = `platform-${process.pid}-${Math.random().toString(36).slice(2, 8)}`): Promise<FakePlatform> {
    const client = await mqtt.connectAsync(url, { clientId, protocolVersion: 4, clean: true, reconnectPeriod: 100 })
    await client.subscribeAsync({ 'varde/v1/gateways/+/measurements': { qos: 1 }, 'varde/v1/gateways/+/status': { qos: 1 } })
    return new FakePlatform(client)
  }

  /** Resolves with the first message (buffered or future) that matches. */
  next(predicate: Predicate): Promise<ReceivedMessage> {
    const i = this.buffered.findIndex(predicate)
    if (i >= 0) return Promise.resolve(this.buffered.splice(i, 1)[0] as ReceivedMessage)
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }))
  }

  /** Drops what a gateway sent so far, so later waits see only what comes next. */
  forget(gatewayId: string): void {
    for (let i = this.buffered.length - 1; i >= 0; i--) {
      if (this.buffered[i]?.gatewayId === gatewayId) this.buffered.splice(i, 1)
    }
  }

  /** The next batch a gateway sends, optionally with a given batchId. */
  async nextBatch(gatewayId: string, batchId?: string): Promise<SentBatch> {
    const message = await this.next(
      (m) =>
        m.topic === gatewayTopic(gatewayId, 'measurements') &&
        (batchId === undefined || (m.json as SentBatch | undefined)?.batchId === batchId),
    )
    return message.json as SentBatch
  }

  nextStatus(gatewayId: string, state?: 'online' | 'offline'): Promise<ReceivedMessage> {
    return this.next(
      (m) => m.topic === gatewayTopic(gatewayId, 'status') && (state === undefined || (m.json as { state?: string })?.state === state),
    )
  }

  /** The receipt a platform that stored everything would send. */
  async acceptAll(gatewayId: string, batch: SentBatch): Promise<Receipt> {
    const receipt: Receipt = { batchId: batch.batchId, accepted: batch.measurements.map((m) => String(m['id'])), duplicate: [], rejected: [] }
    await this.client.publishAsync(gatewayTopic(gatewayId, 'receipts'), JSON.stringify(receipt), { qos: 1 })
    return receipt
  }

  async send(gatewayId: string, channel: 'receipts' | 'commands', payload: Receipt | Command | Record<string, unknown>): Promise<void> {
    await this.client.publishAsync(gatewayTopic(gatewayId, channel), JSON.stringify(payload), { qos: 1 })
  }

  async close(): Promise<void> {
    await this.client.endAsync(true)
  }
}
