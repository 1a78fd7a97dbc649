import { setTimeout as delay } from 'node:timers/promises'
import type { Measurement, ProtocolErrorCode, VitalType } from '@varde/domain'
import { pino, type Logger } from 'pino'
import { mapWithLimit } from '../async/map-with-limit.js'
import { createDevices, DEVICE_KINDS, DEVICE_VITALS, type DeviceEncoding, type SimDevice } from '../devices/device-kinds.js'
import { encodeDeviceReading } from '../devices/measurement-encoding.js'
import { GatewayStoppedError } from '../gateway/gateway-errors.js'
import { SimGateway } from '../gateway/sim-gateway.js'
import { VirtualPatient } from '../patient/virtual-patient.js'
import { zoneOffsetMinutes } from '../time/zoned-time.js'
import { summarizeLatencies, type LatencySummary } from './latency-stats.js'
import { ReadingClock } from './reading-clock.js'

export interface LoadOptions {
  mqttUrl: string
  gateways: { id: string; secret: string }[]
  /** Measurements per second over all gateways. */
  ratePerSecond: number
  /** How long to send; the run then waits up to `drainSeconds` for the last receipts and stops. */
  durationSeconds: number
  /** Measurements per batch, 1–500. */
  batchSize: number
  /** Default 15 s. */
  drainSeconds?: number
  /** Gateway re-send interval under load. Default 30 s. */
  resendAfterMs?: number
  /** Default `mixed`: half the devices send raw GATT. */
  encoding?: DeviceEncoding | 'mixed'
  logger?: Logger
  /** Called about once a second while the run lasts. */
  onProgress?: (progress: LoadProgress) => void
}

export interface LoadProgress {
  phase: 'connect' | 'send' | 'drain'
  elapsedSeconds: number
  batchesSent: number
  batchesReceipted: number
  pending: number
  errors: number
}

export interface LoadReport {
  gateways: number
  /** Gateways that could not connect. */
  gatewayErrors: number
  target: { ratePerSecond: number; durationSeconds: number; batchSize: number }
  /** Time spent sending, s. */
  sendSeconds: number
  /** From the first send to the last receipt (or the end of the drain), s. */
  elapsedSeconds: number
  batchesSent: number
  measurementsSent: number
  batchesReceipted: number
  accepted: number
  duplicate: number
  rejected: number
  rejectedByCode: Partial<Record<ProtocolErrorCode, number>>
  /** Batches still without a receipt when the run stopped. */
  unreceipted: number
  /** Publishes beyond the first of a batch. */
  resends: number
  /** Measurements per second: offered (sent / send time) and stored (accepted / elapsed). */
  throughput: { sentPerSecond: number; acceptedPerSecond: number }
  /** First send to receipt, ms. */
  latencyMs: LatencySummary | null
  /** Connection failures and batches left without a receipt. */
  errors: number
  /** The first distinct error messages. */
  errorSamples: string[]
}

/**
 * Load: N gateways at R measurements/s for T seconds, through the device
 * protocol like real homes; bounded, it stops by itself. Batches go out on a
 * steady clock (rate ÷ batch size per second), round-robin over gateways.
 * Returns the figures for `bench/` and the CLI.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be above 0')
  if (!(options.durationSeconds > 0)) throw new RangeError('durationSeconds must be above 0')
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 500) throw new RangeError('batchSize must be 1 to 500')
  if (options.gateways.length === 0) throw new RangeError('at least one gateway is needed')
  const logger = options.logger ?? pino({ level: 'silent' })
  const began = performance.now()
  const seconds = (): number => (performance.now() - began) / 1000
  const errorSamples = new Set<string>()
  let errorCount = 0
  const noteError = (message: string): void => {
    errorCount += 1
    if (errorSamples.size < 20) errorSamples.add(message)
  }

  const patient = new VirtualPatient({ profiles: ['general'], seed: 'load' })
  const stations = options.gateways.map(({ id, secret }) => {
    const devices = createDevices(id, DEVICE_KINDS, { encoding: options.encoding ?? 'mixed' })
    return new SimGateway({ gatewayId: id, secret, mqttUrl: options.mqttUrl, devices, resendAfterMs: options.resendAfterMs ?? 30_000, logger })
  })
  const counters = { batchesSent: 0, measurementsSent: 0, batchesReceipted: 0, accepted: 0, duplicate: 0, rejected: 0, resends: 0 }
  const rejectedByCode: Partial<Record<ProtocolErrorCode, number>> = {}
  const latencies: number[] = []
  let pending = 0
  let lastReceiptAt = 0
  for (const station of stations) {
    station.on('publish', ({ attempt }) => {
      if (attempt > 1) counters.resends += 1
    })
  }

  let phase: LoadProgress['phase'] = 'connect'
  const progressTimer = setInterval(() => {
    options.onProgress?.({ phase, elapsedSeconds: seconds(), batchesSent: counters.batchesSent, batchesReceipted: counters.batchesReceipted, pending, errors: errorCount })
  }, 1000)
  try {
    const connected = await mapWithLimit(stations, 25, (s) => s.start())
    const ready = stations.filter((s, i) => {
      const outcome = connected[i]
      if (outcome?.status === 'rejected') noteError((outcome.reason as Error).message)
      return outcome?.status === 'fulfilled'
    })
    const gatewayErrors = stations.length - ready.length
    if (ready.length === 0) throw new Error(`no gateway could connect: ${[...errorSamples][0] ?? 'unknown error'}`)

    phase = 'send'
    const sendBegan = performance.now()
    const batchesPerSecond = options.ratePerSecond / options.batchSize
    const totalBatches = Math.max(1, Math.round(batchesPerSecond * options.durationSeconds))
    const inflight = new Set<Promise<void>>()
    let next = 0
    while (counters.batchesSent < totalBatches) {
      const elapsed = (performance.now() - sendBegan) / 1000
      const due = Math.min(totalBatches, Math.floor(elapsed * batchesPerSecond) + 1)
      for (; counters.batchesSent < due; next++) {
        const station = ready[next % ready.length] as SimGateway
        const measurements = loadBatch(station, patient, options.batchSize, next)
        counters.batchesSent += 1
        counters.measurementsSent += measurements.length
        pending += 1
        const sentAt = performance.now()
        const settled: Promise<void> = station.sendBatch(measurements).then(
          (r) => {
            latencies.push(performance.now() - sentAt)
            lastReceiptAt = performance.now()
            counters.batchesReceipted += 1
            counters.accepted += r.accepted.length
            counters.duplicate += r.duplicate.length
            counters.rejected += r.rejected.length
            for (const { code } of r.rejected) rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1
          },
          (error: unknown) => {
            if (!(error instanceof GatewayStoppedError)) noteError((error as Error).message)
          },
        )
        const tracked = settled.finally(() => {
          pending -= 1
          inflight.delete(tracked)
        })
        inflight.add(tracked)
      }
      const wait = (counters.batchesSent / batchesPerSecond) * 1000 - (performance.now() - sendBegan)
      if (counters.batchesSent < totalBatches) await delay(Math.max(1, Math.min(50, wait)))
    }
    // The scheduled window, or longer when the sender fell behind it.
    const sendSeconds = Math.max((performance.now() - sendBegan) / 1000, totalBatches / batchesPerSecond)

    phase = 'drain'
    const drainTimeout = new AbortController()
    await Promise.race([
      Promise.all(inflight),
      delay((options.drainSeconds ?? 15) * 1000, undefined, { signal: drainTimeout.signal }).catch(() => undefined),
    ])
    drainTimeout.abort()
    const unreceipted = pending
    if (unreceipted > 0) noteError(`${unreceipted} batches without a receipt after the drain`)
    const elapsedSeconds = ((pending === 0 && lastReceiptAt > 0 ? lastReceiptAt : performance.now()) - sendBegan) / 1000
    return {
      gateways: ready.length,
      gatewayErrors,
      target: { ratePerSecond: options.ratePerSecond, durationSeconds: options.durationSeconds, batchSize: options.batchSize },
      sendSeconds: round(sendSeconds),
      elapsedSeconds: round(elapsedSeconds),
      batchesSent: counters.batchesSent,
      measurementsSent: counters.measurementsSent,
      batchesReceipted: counters.batchesReceipted,
      accepted: counters.accepted,
      duplicate: counters.duplicate,
      rejected: counters.rejected,
      rejectedByCode,
      unreceipted,
      resends: counters.resends,
      throughput: {
        sentPerSecond: round(counters.measurementsSent / Math.max(sendSeconds, 0.001)),
        acceptedPerSecond: round(counters.accepted / Math.max(elapsedSeconds, 0.001)),
      },
      latencyMs: summarizeLatencies(latencies),
      errors: errorCount,
      errorSamples: [...errorSamples],
    }
  } finally {
    clearInterval(progressTimer)
    await Promise.all(stations.map((s) => s.stop()))
  }
}

/**
 * `size` plausible measurements, one per device reading: a device's single
 * vital when decoded, its whole characteristic when GATT. Ids `m1`… within the batch.
 */
const readingClock = new ReadingClock()

function loadBatch(gateway: SimGateway, patient: VirtualPatient, size: number, batchIndex: number): Measurement[] {
  const now = Date.now()
  const measurements: Measurement[] = []
  for (let i = 0; i < size; i++) {
    const device = gateway.devices[(batchIndex + i) % gateway.devices.length] as SimDevice
    // no two readings of a device alike (reading-clock.ts)
    const at = readingClock.next(`${gateway.gatewayId}/${device.deviceId}`, new Date(now - (size - i) * 1000))
    const vitals = DEVICE_VITALS[device.kind]
    const type = vitals[i % vitals.length] as VitalType
    const values = patient.measure(device.kind, at)
    const [first] = encodeDeviceReading(
      { device, at, values: device.encoding === 'gatt' ? values : { [type]: values[type] } },
      { stampTime: (t) => gateway.stampTime(t), idFor: () => `m${i + 1}`, localOffsetMinutes: (t) => zoneOffsetMinutes(t, gateway.timeZone) },
    )
    if (first) measurements.push(first)
  }
  return measurements
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
