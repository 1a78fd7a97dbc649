import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import {
  commandSchema,
  gatewayTopic,
  malformedReceiptSchema,
  MAX_BATCH_BYTES,
  MAX_MEASUREMENTS_PER_BATCH,
  receiptSchema,
  type GatewayStatus,
  type MalformedReceipt,
  type Measurement,
  type Receipt,
} from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import { pino, type Logger } from 'pino'
import type { DeviceReading } from '../devices/measurement-encoding.js'
import type { SimDevice } from '../devices/device-kinds.js'
import { DEFAULT_TIME_ZONE, formatOffsetDateTime, zoneOffsetMinutes } from '../time/zoned-time.js'
import { packReadings } from './batch-packing.js'
import { GatewayConnectError, GatewayStoppedError, ReceiptTimeoutError } from './gateway-errors.js'

export interface SimGatewayOptions {
  gatewayId: string
  secret: string
  /** `mqtt://host:1883`, `mqtts://…`, `ws://host:8080/mqtt`. */
  mqttUrl: string
  devices?: SimDevice[]
  /** How far the gateway's clock is off: gateway time = real time + offset. Default 0. */
  clockOffsetMs?: number
  firmware?: string
  /** Gateway battery %, reported in its status; null for a mains-powered box. Default 100. */
  battery?: number | null
  /** The home's zone; times are sent with its offset. Default Europe/Oslo. */
  timeZone?: string
  /** Re-send a batch when its receipt has not come after this long; doubles per attempt. Default 15 s. */
  resendAfterMs?: number
  /** Cap on the doubling. Default 2 min. */
  maxResendAfterMs?: number
  /** Wait between reconnect attempts. Default 2 s. */
  reconnectPeriodMs?: number
  /** `start()` gives up after this long. Default 15 s. */
  startTimeoutMs?: number
  /** How long `publishRaw` waits for its receipt. Default 30 s. */
  rawReceiptTimeoutMs?: number
  /** Identifies this boot in batch ids; random unless given. */
  bootId?: string
  logger?: Logger
}

/** The platform's answer to a batch (device-protocol.md "Receipts"). */
export type BatchReceipt = Receipt | MalformedReceipt

export interface SimGatewayEvents {
  /** Connected, subscribed, status published, unreceipted batches re-sent. */
  connect: [{ sessionPresent: boolean }]
  disconnect: []
  /** A batch (or raw payload) went out; attempt 1 is the first send. */
  publish: [{ batchId: string | null; attempt: number }]
  receipt: [BatchReceipt]
  command: [unknown]
  'clock-synced': [{ previousOffsetMs: number; offsetMs: number }]
  'connection-error': [Error]
}

interface PendingBatch {
  batchId: string
  measurements: readonly unknown[]
  attempts: number
  timer: NodeJS.Timeout | null
  promise: Promise<Receipt>
  resolve(receipt: Receipt): void
  reject(error: Error): void
}

interface PendingRaw {
  /** The batchId the payload claims, if it parses as one. */
  batchId: string | null
  timer: NodeJS.Timeout
  resolve(receipt: BatchReceipt): void
  reject(error: Error): void
}

const DEFAULT_FIRMWARE = '2.3.1'

/**
 * A home gateway as a vendor would build it against device-protocol.md:
 * MQTT 3.1.1, clientId = username = gateway id, persistent session, QoS 1,
 * retained status with a last will, subscribed to its receipts and commands.
 * It keeps every batch in memory until its receipt arrives and re-sends it
 * (same batchId, fresh `sentAt`) on a timer and after every reconnect; it
 * sets its clock on `sync-clock`.
 */
/** The shortest outage `disconnectAbruptly()` → `reconnect()` makes (see there). */
const MIN_OUTAGE_MS = 500

export class SimGateway extends EventEmitter<SimGatewayEvents> {
  readonly gatewayId: string
  readonly bootId: string
  readonly devices: SimDevice[]
  readonly timeZone: string
  private readonly options: SimGatewayOptions
  private readonly logger: Logger
  private client: MqttClient | null = null
  private isReady = false
  private hasConnected = false
  private isStopped = false
  private offsetMs: number
  private batteryLevel: number | null
  private counter = 0
  private readonly pending = new Map<string, PendingBatch>()
  private readonly rawPending: PendingRaw[] = []

  constructor(options: SimGatewayOptions) {
    super()
    this.options = options
    this.gatewayId = options.gatewayId
    this.bootId = options.bootId ?? randomBytes(3).toString('hex')
    this.devices = options.devices ?? []
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE
    this.offsetMs = options.clockOffsetMs ?? 0
    this.batteryLevel = options.battery === undefined ? 100 : options.battery
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ gatewayId: options.gatewayId })
  }

  /** How far the gateway's clock is off (gateway time − real time), ms. */
  get clockOffsetMs(): number {
    return this.offsetMs
  }

  /** Connected, subscribed and status published. */
  get isConnected(): boolean {
    return this.isReady && this.client?.connected === true
  }

  /** Batches sent (or waiting to be sent) without a receipt yet. */
  get pendingCount(): number {
    return this.pending.size
  }

  get battery(): number | null {
    return this.batteryLevel
  }

  /** The gateway's own clock. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }

  /** The time the gateway writes for a real instant: its clock's reading then, with the home's offset. */
  stampTime(at: Date): string {
    const gatewayTime = new Date(at.getTime() + this.offsetMs)
    return formatOffsetDateTime(gatewayTime, this.timeZone)
  }

  /** Sets the clock wrong (or right) by hand, as a scenario does. */
  setClockOffset(offsetMs: number): void {
    this.offsetMs = offsetMs
  }

  /** Sets the gateway battery and publishes the status again when connected. */
  setBattery(percent: number | null): void {
    this.batteryLevel = percent
    if (this.isConnected) void this.publishStatus(this.client as MqttClient).catch(() => undefined)
  }

  /** `G-<boot>-000001`: unique per gateway across reboots. */
  nextBatchId(): string {
    this.counter += 1
    return `${this.gatewayId}-${this.bootId}-${String(this.counter).padStart(6, '0')}`
  }

  /** Connects; resolves once subscribed and online. Rejects on refused credentials or when the broker cannot be reached. */
  async start(): Promise<void> {
    if (this.client) throw new Error(`gateway ${this.gatewayId} is already started`)
    this.isStopped = false
    await this.connect()
  }

  /**
   * Says goodbye: publishes `{"state":"offline"}` itself (no last will for a
   * clean shutdown), disconnects, and rejects what is still unreceipted with
   * GatewayStoppedError.
   */
  async stop(): Promise<void> {
    if (this.isStopped) return
    this.isStopped = true
    const client = this.client
    this.client = null
    if (client) {
      if (this.isConnected || client.connected) {
        await withTimeout(
          client.publishAsync(this.topic('status'), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true }),
          2000,
        ).catch(() => undefined)
      }
      this.isReady = false
      await endClient(client, !client.connected)
    }
    const error = new GatewayStoppedError(this.gatewayId)
    for (const batch of this.pending.values()) {
      if (batch.timer) clearTimeout(batch.timer)
      batch.reject(error)
    }
    this.pending.clear()
    for (const raw of this.rawPending.splice(0)) {
      clearTimeout(raw.timer)
      raw.reject(error)
    }
  }

  /**
   * The power cut or the lost network: the socket dies without an MQTT
   * DISCONNECT, so the broker publishes the last will. Batches stay kept and
   * new ones queue until `reconnect()`.
   */
  async disconnectAbruptly(): Promise<void> {
    const client = this.client
    if (!client) return
    this.client = null
    this.isReady = false
    await endClient(client, true)
    this.cutAt = Date.now()
    this.emit('disconnect')
  }

  /**
   * Comes back after `disconnectAbruptly()`: connects and re-sends every
   * unreceipted batch. An outage lasts at least MIN_OUTAGE_MS, as a real one
   * does: a CONNECT right behind the dropped socket can reach the broker
   * before it has seen the drop, and mosquitto then takes the session over
   * without publishing the last will (seen in a scenario run).
   */
  async reconnect(): Promise<void> {
    if (this.isStopped) throw new GatewayStoppedError(this.gatewayId)
    if (this.client) return
    const wait = this.cutAt + MIN_OUTAGE_MS - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    await this.connect()
  }

  private cutAt = 0

  /**
   * Sends one batch and resolves with its receipt. Keeps the batch until then,
   * re-sending it with the same batchId on a timer and after reconnects. Sending a
   * batchId again (a deliberate duplicate) re-sends that batch.
   */
  sendBatch(measurements: readonly Measurement[], options: { batchId?: string } = {}): Promise<Receipt> {
    if (measurements.length < 1 || measurements.length > MAX_MEASUREMENTS_PER_BATCH) {
      throw new RangeError(`a batch holds 1 to ${MAX_MEASUREMENTS_PER_BATCH} measurements, not ${measurements.length}`)
    }
    const bytes = Buffer.byteLength(JSON.stringify(measurements))
    if (bytes > MAX_BATCH_BYTES) throw new RangeError(`batch of ${bytes} bytes exceeds ${MAX_BATCH_BYTES}`)
    return this.sendUncheckedBatch(measurements, options)
  }

  /**
   * Like `sendBatch` without checking the measurements: for scenarios that
   * probe the platform's validation with wrong fields. The envelope is still
   * valid, so the receipt names each measurement's fault.
   */
  sendUncheckedBatch(measurements: readonly unknown[], options: { batchId?: string } = {}): Promise<Receipt> {
    if (this.isStopped) return Promise.reject(new GatewayStoppedError(this.gatewayId))
    const batchId = options.batchId ?? this.nextBatchId()
    const existing = this.pending.get(batchId)
    if (existing) {
      this.publishBatch(existing)
      return existing.promise
    }
    let resolve!: (receipt: Receipt) => void
    let reject!: (error: Error) => void
    const promise = new Promise<Receipt>((res, rej) => {
      resolve = res
      reject = rej
    })
    const batch: PendingBatch = { batchId, measurements, attempts: 0, timer: null, promise, resolve, reject }
    this.pending.set(batchId, batch)
    this.publishBatch(batch)
    return promise
  }

  /**
   * Packs what the devices measured into as few batches as the protocol allows
   * (≤ 500 measurements, ≤ 256 KiB) and sends them; resolves with every receipt.
   */
  async sendReadings(readings: readonly DeviceReading[], options: { maxPerBatch?: number; batchIds?: (index: number) => string } = {}): Promise<Receipt[]> {
    const batches = packReadings(
      readings,
      { stampTime: (at) => this.stampTime(at), localOffsetMinutes: (at) => zoneOffsetMinutes(at, this.timeZone) },
      options.maxPerBatch,
    )
    return Promise.all(batches.map((b, i) => this.sendBatch(b, options.batchIds ? { batchId: options.batchIds(i) } : {})))
  }

  /**
   * Publishes bytes as they are on the measurements topic, for malformed
   * payloads; resolves with the next malformed-batch receipt (or the receipt
   * of the batchId the payload claims). Not re-sent.
   */
  publishRaw(payload: string | Uint8Array, options: { timeoutMs?: number } = {}): Promise<BatchReceipt> {
    if (this.isStopped) return Promise.reject(new GatewayStoppedError(this.gatewayId))
    const client = this.client
    if (!client || !this.isConnected) {
      return Promise.reject(new Error(`gateway ${this.gatewayId} is offline; raw payloads are not kept`))
    }
    const timeoutMs = options.timeoutMs ?? this.options.rawReceiptTimeoutMs ?? 30_000
    return new Promise<BatchReceipt>((resolve, reject) => {
      const raw: PendingRaw = {
        batchId: claimedBatchId(payload),
        timer: setTimeout(() => {
          const i = this.rawPending.indexOf(raw)
          if (i >= 0) this.rawPending.splice(i, 1)
          reject(new ReceiptTimeoutError(this.gatewayId, raw.batchId, timeoutMs))
        }, timeoutMs),
        resolve,
        reject,
      }
      this.rawPending.push(raw)
      client.publish(this.topic('measurements'), Buffer.from(payload), { qos: 1 }, (error) => {
        if (error) this.logger.warn({ reason: error.message }, 'raw publish failed')
      })
      this.emit('publish', { batchId: raw.batchId, attempt: 1 })
    })
  }

  private topic(channel: 'measurements' | 'status' | 'receipts' | 'commands'): string {
    return gatewayTopic(this.gatewayId, channel)
  }

  private connect(): Promise<void> {
    const options = this.options
    const client = mqtt.connect(options.mqttUrl, {
      clientId: this.gatewayId,
      username: this.gatewayId,
      password: options.secret,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: options.reconnectPeriodMs ?? 2000,
      connectTimeout: 10_000,
      // Subscriptions are renewed on every connect by `onConnect`, whatever the broker kept.
      resubscribe: false,
      will: { topic: this.topic('status'), payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
    })
    this.client = client
    client.on('message', (topic, payload) => this.onMessage(topic, payload))
    client.on('connect', (connack) => {
      // a batch goes out at once, as a gateway's should, not held by Nagle's algorithm
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
      void this.onConnect(client, connack.sessionPresent)
    })
    client.on('close', () => {
      if (this.client !== client || !this.isReady) return
      this.isReady = false
      this.logger.info('disconnected')
      this.emit('disconnect')
    })
    client.on('error', (error) => {
      // Before the first connect, start() rejects with the reason; later the client reconnects by itself.
      const level = this.hasConnected ? 'warn' : 'debug'
      this.logger[level]({ reason: error.message, code: (error as { code?: unknown }).code }, 'connection error')
      if (this.listenerCount('connection-error') > 0) this.emit('connection-error', error)
    })
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 15_000
      const fail = (error: Error): void => {
        cleanup()
        if (this.client === client) this.client = null
        void endClient(client, true)
        reject(new GatewayConnectError(this.gatewayId, options.mqttUrl, error))
      }
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs)
      const onReady = (): void => {
        cleanup()
        resolve()
      }
      const cleanup = (): void => {
        clearTimeout(timer)
        this.off('connect', onReady)
        client.off('error', fail)
      }
      this.once('connect', onReady)
      client.once('error', fail)
    })
  }

  private async onConnect(client: MqttClient, sessionPresent: boolean): Promise<void> {
    try {
      await client.subscribeAsync({ [this.topic('receipts')]: { qos: 1 }, [this.topic('commands')]: { qos: 1 } })
      await this.publishStatus(client)
    } catch (error) {
      // The connection dropped while setting up; the next connect does it again.
      this.logger.warn({ reason: (error as Error).message }, 'connect setup failed')
      return
    }
    if (this.client !== client) return
    this.isReady = true
    this.hasConnected = true
    this.logger.info({ sessionPresent, pending: this.pending.size }, 'online')
    this.emit('connect', { sessionPresent })
    for (const batch of this.pending.values()) this.publishBatch(batch)
  }

  private publishStatus(client: MqttClient): Promise<unknown> {
    const status: GatewayStatus = {
      state: 'online',
      firmware: this.options.firmware ?? DEFAULT_FIRMWARE,
      ...(this.batteryLevel === null ? {} : { battery: Math.round(this.batteryLevel) }),
    }
    return client.publishAsync(this.topic('status'), JSON.stringify(status), { qos: 1, retain: true })
  }

  private publishBatch(batch: PendingBatch): void {
    if (batch.timer) clearTimeout(batch.timer)
    batch.timer = null
    const client = this.client
    if (!client || !this.isConnected) return // sent on the next connect
    batch.attempts += 1
    // sentAt is the clock at this send, not the first: it is how the platform sees clock skew.
    const payload = JSON.stringify({ batchId: batch.batchId, sentAt: this.stampTime(new Date()), measurements: batch.measurements })
    client.publish(this.topic('measurements'), payload, { qos: 1 }, (error) => {
      if (error) this.logger.debug({ reason: error.message, batchId: batch.batchId }, 'publish not acknowledged; kept for re-send')
    })
    if (batch.attempts > 1) this.logger.info({ batchId: batch.batchId, attempt: batch.attempts }, 're-sent batch')
    this.emit('publish', { batchId: batch.batchId, attempt: batch.attempts })
    const base = this.options.resendAfterMs ?? 15_000
    const delay = Math.min(base * 2 ** (batch.attempts - 1), this.options.maxResendAfterMs ?? 120_000)
    batch.timer = setTimeout(() => {
      batch.timer = null
      if (this.pending.get(batch.batchId) === batch) this.publishBatch(batch)
    }, delay)
    batch.timer.unref?.()
  }

  private onMessage(topic: string, payload: Buffer): void {
    let json: unknown
    try {
      json = JSON.parse(payload.toString('utf8'))
    } catch {
      this.logger.warn({ topic }, 'ignoring a message that is not JSON')
      return
    }
    if (topic === this.topic('receipts')) this.onReceipt(json)
    else if (topic === this.topic('commands')) this.onCommand(json)
  }

  private onReceipt(json: unknown): void {
    const receipt = receiptSchema.safeParse(json)
    if (receipt.success) {
      const value = receipt.data
      this.emit('receipt', value)
      const batch = this.pending.get(value.batchId)
      if (batch) {
        if (batch.timer) clearTimeout(batch.timer)
        this.pending.delete(value.batchId)
        batch.resolve(value)
        return
      }
      const rawIndex = this.rawPending.findIndex((r) => r.batchId === value.batchId)
      if (rawIndex >= 0) return this.settleRaw(rawIndex, value)
      // A receipt for a re-send already answered: the platform saw it twice, as it should be able to.
      this.logger.debug({ batchId: value.batchId }, 'receipt for a batch no longer pending')
      return
    }
    const malformed = malformedReceiptSchema.safeParse(json)
    if (malformed.success) {
      this.emit('receipt', malformed.data)
      if (this.rawPending.length > 0) return this.settleRaw(0, malformed.data)
      this.logger.warn({ code: malformed.data.error.code }, 'malformed-batch receipt with no raw payload outstanding')
      return
    }
    this.logger.warn('ignoring a receipt that does not follow the protocol')
  }

  private settleRaw(index: number, receipt: BatchReceipt): void {
    const [raw] = this.rawPending.splice(index, 1)
    if (!raw) return
    clearTimeout(raw.timer)
    raw.resolve(receipt)
  }

  private onCommand(json: unknown): void {
    this.emit('command', json)
    const command = commandSchema.safeParse(json)
    if (!command.success) {
      this.logger.warn('ignoring an unknown command')
      return
    }
    if (command.data.command === 'sync-clock') {
      const previousOffsetMs = this.offsetMs
      this.offsetMs = Date.parse(command.data.now) - Date.now()
      this.logger.info({ previousOffsetMs, offsetMs: this.offsetMs }, 'clock synced')
      this.emit('clock-synced', { previousOffsetMs, offsetMs: this.offsetMs })
    }
  }
}

function claimedBatchId(payload: string | Uint8Array): string | null {
  try {
    const json: unknown = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'))
    if (typeof json === 'object' && json !== null && 'batchId' in json && typeof json.batchId === 'string') return json.batchId
  } catch {
    // Not JSON: the receipt will be a malformed-batch one.
  }
  return null
}

/** Ends a client: `force` drops the socket without DISCONNECT (the broker then publishes the will). */
function endClient(client: MqttClient, force: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      client.end(true)
      resolve()
    }, 3000)
    client.end(force, {}, () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}
