import { runLoad } from '@varde/device-sim'
import { sampleProcess, type BenchChild } from './ingest-children.js'
import type { BenchGateway } from './ingest-provisioning.js'
import { saturate } from './ingest-saturate.js'

/** A fixed offered rate (open loop: device-sim's `runLoad`), the way latency is measured. */
export interface FixedRateLoad {
  kind: 'fixed-rate'
  /** Measurements per second offered over all gateways. */
  ratePerSecond: number
  batchSize: number
  durationSeconds: number
  drainSeconds: number
}

/** As much as the platform takes (closed loop, see ingest-saturate.ts), the way sustained throughput is measured. */
export interface SaturatingLoad {
  kind: 'saturate'
  batchSize: number
  inFlightPerGateway: number
  warmupSeconds: number
  durationSeconds: number
  /** The gateways' receipt timeout: a batch without a receipt by then is re-sent (and counted). */
  resendAfterMs: number
}

export type StageLoad = FixedRateLoad | SaturatingLoad

export const describeLoad = (l: StageLoad): string =>
  l.kind === 'fixed-rate'
    ? `${l.ratePerSecond} measurements/s in batches of ${l.batchSize} for ${l.durationSeconds} s`
    : `closed loop, ${l.inFlightPerGateway} batches of ${l.batchSize} in flight per gateway, ${l.warmupSeconds} s warm-up + ${l.durationSeconds} s`

export interface StageResult {
  load: StageLoad
  /** Measurements/s offered (fixed rate: as actually sent; saturating: null, it adapts). */
  offeredPerSecond: number | null
  /** Measurements accepted per second: fixed rate, accepted ÷ first send to last receipt; saturating, in the measured window. */
  acceptedPerSecond: number
  accepted: number
  rejected: number
  duplicate: number
  /** Batches without a receipt when the stage ended (fixed rate: after the drain; saturating: at the end of the window). */
  unreceipted: number
  resends: number
  errors: number
  errorSamples: string[]
  /** Publish → receipt, ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; count: number } | null
  /** Per process under test (and the load generator, `bench`): mean CPU while sending (100 = one core), peak RSS seen in the stage. */
  usage: { name: string; cpuPercent: number | null; peakRssBytes: number }[]
}

/**
 * One load stage against the running processes, with each process's CPU
 * sampled over the sending window and its resident memory over the stage.
 */
export async function runStage(
  mqttUrl: string, gateways: BenchGateway[], children: BenchChild[], load: StageLoad,
  onProgress: (line: string) => void,
): Promise<StageResult> {
  const targets = [...children.map((c) => ({ name: c.name, pid: c.pid })), { name: 'bench', pid: process.pid }]
  const peakRss = targets.map(() => 0)
  const sample = () => targets.forEach((t, i) => {
    peakRss[i] = Math.max(peakRss[i] ?? 0, sampleProcess(t.pid)?.rssBytes ?? 0)
  })
  const sampler = setInterval(sample, 200)
  let windowStart: { at: number; cpu: number[] } | undefined
  let windowEnd: { at: number; cpu: number[] } | undefined
  const mark = () => ({ at: performance.now(), cpu: targets.map((t) => sampleProcess(t.pid)?.cpuSeconds ?? 0) })
  // A process under test that dies fails the stage at once instead of leaving it to time out.
  const died = Promise.race(children.map((c) => c.exited.then((code) => {
    throw new Error(`${c.name} exited (${code}) during the run:\n${c.tail()}`)
  })))
  let result: Omit<StageResult, 'usage' | 'load'>
  try {
    result = await Promise.race([died, load.kind === 'fixed-rate' ? fixedRate(load) : saturating(load)])
  } finally {
    clearInterval(sampler)
  }
  sample()
  windowEnd ??= mark()
  const cpuPercent = (i: number): number | null => {
    if (!windowStart || !windowEnd || windowEnd.at - windowStart.at < 500) return null
    return Math.round((((windowEnd.cpu[i] ?? 0) - (windowStart.cpu[i] ?? 0)) / ((windowEnd.at - windowStart.at) / 1000)) * 100)
  }
  return { load, ...result, usage: targets.map((t, i) => ({ name: t.name, cpuPercent: cpuPercent(i), peakRssBytes: peakRss[i] ?? 0 })) }

  async function fixedRate(l: FixedRateLoad): Promise<Omit<StageResult, 'usage' | 'load'>> {
    let phase = 'connect'
    const report = await runLoad({
      mqttUrl, gateways, ratePerSecond: l.ratePerSecond, batchSize: l.batchSize, durationSeconds: l.durationSeconds, drainSeconds: l.drainSeconds,
      // no re-sends inside a stage: they would be load the rate does not name
      resendAfterMs: 600_000,
      onProgress: (p) => {
        // runLoad reports about once a second: the CPU window is the sending phase, give or take a second
        if (p.phase !== phase) {
          phase = p.phase
          if (phase === 'send') windowStart = mark()
          if (phase === 'drain') windowEnd = mark()
        }
        onProgress(`${p.phase} ${p.elapsedSeconds.toFixed(0)} s: ${p.batchesSent} batches sent, ${p.batchesReceipted} receipted, ${p.pending} pending`)
      },
    })
    const lat = report.latencyMs
    return {
      offeredPerSecond: report.throughput.sentPerSecond,
      acceptedPerSecond: report.throughput.acceptedPerSecond,
      accepted: report.accepted, rejected: report.rejected, duplicate: report.duplicate,
      unreceipted: report.unreceipted, resends: report.resends, errors: report.errors, errorSamples: report.errorSamples.slice(0, 5),
      latencyMs: lat ? { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, count: lat.count } : null,
    }
  }

  async function saturating(l: SaturatingLoad): Promise<Omit<StageResult, 'usage' | 'load'>> {
    const report = await saturate({
      mqttUrl, gateways, batchSize: l.batchSize, inFlightPerGateway: l.inFlightPerGateway, warmupSeconds: l.warmupSeconds, durationSeconds: l.durationSeconds,
      resendAfterMs: l.resendAfterMs, onProgress,
      onWindow: (edge) => {
        if (edge === 'start') windowStart = mark()
        else windowEnd = mark()
      },
    })
    const lat = report.latencyMs
    return {
      offeredPerSecond: null,
      acceptedPerSecond: report.acceptedPerSecond,
      accepted: report.accepted, rejected: report.rejected, duplicate: report.duplicate,
      unreceipted: report.unreceipted, resends: report.resends, errors: report.errors, errorSamples: report.errorSamples.slice(0, 5),
      latencyMs: lat ? { p50: lat.p50, p90: lat.p90, p99: lat.p99, max: lat.max, count: lat.count } : null,
    }
  }
}
