import { setTimeout as delay } from 'node:timers/promises'
import { createDevices, DEVICE_KINDS, encodeDeviceReading, GatewayStoppedError, ReadingClock, SimGateway, summarizeLatencies, VirtualPatient, type LatencySummary } from '@varde/device-sim'
import type { Measurement, VitalType } from '@varde/domain'
import type { BenchGateway } from './ingest-provisioning.js'

export interface SaturateOptions {
  mqttUrl: string
  gateways: BenchGateway[]
  batchSize: number
  /** Batches each gateway keeps in flight (sent, no receipt yet): the load adapts to what the platform takes. */
  inFlightPerGateway: number
  /** Receipts in the first seconds are not counted (connections, JIT, caches). */
  warmupSeconds: number
  /** The measured window that follows. */
  durationSeconds: number
  /** Gateway re-send interval; default 15 s as SimGateway's. */
  resendAfterMs?: number
  onProgress?: (line: string) => void
  /** Called when the measured window opens and when it closes. */
  onWindow?: (edge: 'start' | 'end') => void
}

export interface SaturateReport {
  gateways: number
  gatewayErrors: number
  /** Measurements accepted by receipts that arrived inside the measured window, per second of it. */
  acceptedPerSecond: number
  accepted: number
  rejected: number
  duplicate: number
  batchesReceipted: number
  /** Publishes beyond a batch's first (its receipt did not come in time). */
  resends: number
  /** Batches still without a receipt when the window closed. */
  unreceipted: number
  /** Publish → receipt of the batches receipted in the window, ms (queueing included: the platform is kept saturated). */
  latencyMs: LatencySummary | null
  errors: number
  errorSamples: string[]
}

/**
 * Sustained throughput, closed loop: every gateway keeps `inFlightPerGateway`
 * batches without a receipt, sending the next as soon as one is receipted, as
 * a gateway with a send window does. The platform always has work queued, but
 * only as much as the gateways hold, so what is measured is its capacity and
 * not how it copes with an unbounded backlog (an open-loop overload measures
 * that, see bench/README.md). Bounded: stops after warm-up + window.
 */
export async function saturate(options: SaturateOptions): Promise<SaturateReport> {
  const patient = new VirtualPatient({ profiles: ['general'], seed: 'saturate' })
  const stations = options.gateways.map(({ id, secret }) =>
    new SimGateway({ gatewayId: id, secret, mqttUrl: options.mqttUrl, devices: createDevices(id, DEVICE_KINDS, { encoding: 'mixed' }), resendAfterMs: options.resendAfterMs ?? 15_000 }))
  const errorSamples = new Set<string>()
  let errors = 0
  const noteError = (message: string) => {
    errors++
    if (errorSamples.size < 10) errorSamples.add(message)
  }
  let resends = 0
  for (const s of stations) s.on('publish', ({ attempt }) => { if (attempt > 1) resends++ })
  const started = await Promise.allSettled(stations.map((s) => s.start()))
  const ready = stations.filter((_, i) => started[i]?.status === 'fulfilled')
  for (const outcome of started) if (outcome.status === 'rejected') noteError((outcome.reason as Error).message)
  if (ready.length === 0) throw new Error(`no gateway could connect: ${[...errorSamples][0] ?? 'unknown'}`)

  const t0 = performance.now()
  const windowStart = t0 + options.warmupSeconds * 1000
  const windowEnd = windowStart + options.durationSeconds * 1000
  const totals = { accepted: 0, rejected: 0, duplicate: 0, batchesReceipted: 0 }
  const latencies: number[] = []
  let pending = 0
  let batchIndex = 0
  const edges = [
    setTimeout(() => options.onWindow?.('start'), windowStart - performance.now()),
    setTimeout(() => options.onWindow?.('end'), windowEnd - performance.now()),
  ]
  const progress = setInterval(() => {
    const phase = performance.now() < windowStart ? 'warm-up' : 'measuring'
    options.onProgress?.(`${phase} ${((performance.now() - t0) / 1000).toFixed(0)} s: ${totals.batchesReceipted} batches receipted in the window, ${pending} in flight`)
  }, 1000)

  // one loop per in-flight slot: send, await the receipt, send the next, until the window closes
  const loop = async (station: SimGateway): Promise<void> => {
    while (performance.now() < windowEnd) {
      const measurements = benchBatch(station, patient, options.batchSize, batchIndex++)
      const sentAt = performance.now()
      pending++
      try {
        const receipt = await station.sendBatch(measurements)
        const at = performance.now()
        if (at >= windowStart && at < windowEnd) {
          totals.batchesReceipted++
          totals.accepted += receipt.accepted.length
          totals.rejected += receipt.rejected.length
          totals.duplicate += receipt.duplicate.length
          latencies.push(at - sentAt)
        }
      } catch (error) {
        if (!(error instanceof GatewayStoppedError)) noteError((error as Error).message)
        return
      } finally {
        pending--
      }
    }
  }
  const loops = ready.flatMap((s) => Array.from({ length: options.inFlightPerGateway }, () => loop(s)))
  try {
    // Loops end with the window, except those waiting on a receipt: those are cut off when the window closes.
    await Promise.race([Promise.all(loops), delay(windowEnd - performance.now() + 100)])
    const unreceipted = pending
    return {
      gateways: ready.length,
      gatewayErrors: stations.length - ready.length,
      acceptedPerSecond: Math.round(totals.accepted / options.durationSeconds),
      ...totals,
      resends,
      unreceipted,
      latencyMs: summarizeLatencies(latencies),
      errors,
      errorSamples: [...errorSamples],
    }
  } finally {
    clearInterval(progress)
    for (const timer of edges) clearTimeout(timer)
    await Promise.all(stations.map((s) => s.stop()))
  }
}

/**
 * The patient's values per device kind and whole second: the physiological
 * model was a fifth of the load generator's CPU, which shares the machine
 * with the platform it measures. Readings of one second are alike anyway.
 */
const valuesBySecond = new Map<string, ReturnType<VirtualPatient['measure']>>()
function measureCached(patient: VirtualPatient, kind: Parameters<VirtualPatient['measure']>[0], at: Date): ReturnType<VirtualPatient['measure']> {
  const key = `${kind} ${Math.floor(at.getTime() / 1000)}`
  let values = valuesBySecond.get(key)
  if (!values) {
    values = patient.measure(kind, at)
    if (valuesBySecond.size >= 1000) valuesBySecond.clear()
    valuesBySecond.set(key, values)
  }
  return values
}

/** `size` plausible measurements, as device-sim's load mode makes them: half the devices send raw GATT, the others one decoded vital. */
const readingClock = new ReadingClock()

function benchBatch(gateway: SimGateway, patient: VirtualPatient, size: number, batchIndex: number): Measurement[] {
  const now = Date.now()
  const measurements: Measurement[] = []
  for (let i = 0; i < size; i++) {
    const device = gateway.devices[(batchIndex + i) % gateway.devices.length]
    if (!device) continue
    // no two readings of a device alike, or the second delivery key answers them duplicate (reading-clock.ts)
    const at = readingClock.next(`${gateway.gatewayId}/${device.deviceId}`, new Date(now - (size - i) * 1000))
    const values = measureCached(patient, device.kind, at)
    const types = Object.keys(values) as VitalType[]
    const type = types[i % types.length] as VitalType
    const [first] = encodeDeviceReading(
      { device, at, values: device.encoding === 'gatt' ? values : { [type]: values[type] } },
      { stampTime: (t) => gateway.stampTime(t), idFor: () => `m${i + 1}` },
    )
    if (first) measurements.push(first)
  }
  return measurements
}
