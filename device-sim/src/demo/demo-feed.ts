import { MAX_MEASUREMENTS_PER_BATCH } from '@varde/domain'
import { pino, type Logger } from 'pino'
import { mapWithLimit } from '../async/map-with-limit.js'
import type { DeviceEncoding } from '../devices/device-kinds.js'
import { GatewayStoppedError } from '../gateway/gateway-errors.js'
import { hashParts, type Seed } from '../random/seeded-noise.js'
import type { Episode } from '../patient/episodes.js'
import { VirtualHome } from '../home/virtual-home.js'

export interface DemoHomeConfig {
  gatewayId: string
  secret: string
  /** Condition profiles: copd, heart-failure, diabetes, hypertension, general. */
  profiles: string[]
  seed: Seed
  /** Worsening to show, e.g. a COPD exacerbation that began two days ago. */
  episodes?: Episode[]
}

export interface DemoFeedOptions {
  mqttUrl: string
  homes: DemoHomeConfig[]
  /** How often each home takes a set of measurements (the next session of its day plan). Default 60 s. */
  intervalMs?: number
  /** Days of history to send on start, a few sessions a day, as in the patient's plan. Default 0: none. */
  backfillDays?: number
  encoding?: DeviceEncoding | 'mixed'
  logger?: Logger
}

export interface BackfillReport {
  homes: number
  batches: number
  accepted: number
  duplicate: number
  rejected: number
  failedHomes: string[]
}

export interface DemoFeedStats {
  homes: number
  /** Homes whose gateway is connected now. */
  connected: number
  /** Batches sent (first sends; re-sends not counted). */
  batchesSent: number
  receipts: number
  /** Batches kept, waiting for their receipt. */
  pending: number
}

export interface DemoFeed {
  /** Gateway ids that connected (a home whose gateway is refused is left out and logged). */
  readonly gatewayIds: string[]
  /** Settles when the history is sent (at once when there is none to send). */
  readonly backfilled: Promise<BackfillReport>
  stats(): DemoFeedStats
  stop(): Promise<void>
}

/**
 * Feeds the demo patients, as `npm start` does: connects every home's
 * gateway, sends the history of the last `backfillDays` days (each home's
 * plan, one batch per day, idempotent across restarts), then every
 * `intervalMs` each home takes its next set of measurements. Homes are
 * staggered across the interval so they do not all send at once.
 */
export async function startDemoFeed(options: DemoFeedOptions): Promise<DemoFeed> {
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'device-sim' })
  const intervalMs = options.intervalMs ?? 60_000
  const homes = options.homes.map(
    (h) =>
      new VirtualHome({
        gatewayId: h.gatewayId,
        secret: h.secret,
        mqttUrl: options.mqttUrl,
        profiles: h.profiles,
        seed: h.seed,
        ...(h.episodes ? { episodes: h.episodes } : {}),
        encoding: options.encoding ?? 'mixed',
        logger,
      }),
  )
  const counts = { batchesSent: 0, receipts: 0 }
  for (const home of homes) {
    home.gateway.on('publish', ({ attempt }) => {
      if (attempt === 1) counts.batchesSent += 1
    })
    home.gateway.on('receipt', () => {
      counts.receipts += 1
    })
  }
  const started = await mapWithLimit(homes, 16, (home) => home.gateway.start())
  const live = homes.filter((home, i) => {
    const outcome = started[i]
    if (outcome?.status === 'rejected') logger.error({ gatewayId: home.gatewayId, reason: (outcome.reason as Error).message }, 'demo home not started')
    return outcome?.status === 'fulfilled'
  })
  if (live.length === 0 && homes.length > 0) {
    throw new Error(`no demo gateway could connect to ${options.mqttUrl} (${homes.length} tried; see the log)`)
  }
  logger.info({ homes: live.length, intervalMs, backfillDays: options.backfillDays ?? 0 }, 'demo feed started')

  let isStopped = false
  const timers = new Set<NodeJS.Timeout>()
  const schedule = (home: VirtualHome, delayMs: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (isStopped) return
      const readings = home.measureNextSession()
      if (readings.length > 0) {
        home.gateway.sendReadings(readings).catch((error: unknown) => {
          if (!(error instanceof GatewayStoppedError)) logger.warn({ gatewayId: home.gatewayId, reason: (error as Error).message }, 'demo readings not sent')
        })
      }
      schedule(home, intervalMs)
    }, delayMs)
    timers.add(timer)
  }
  live.forEach((home, i) => {
    // Spread over the interval, with a little per-home jitter so it does not look like a metronome.
    const jitter = (hashParts('demo-stagger', home.gatewayId) % 1000) / 1000
    schedule(home, Math.round(((i + jitter) / live.length) * intervalMs))
  })

  const backfilled = backfill(live, options.backfillDays ?? 0, logger)
  backfilled.catch(() => undefined)

  return {
    gatewayIds: live.map((h) => h.gatewayId),
    backfilled,
    stats: () => ({
      homes: homes.length,
      connected: live.filter((h) => h.gateway.isConnected).length,
      ...counts,
      pending: live.reduce((sum, h) => sum + h.gateway.pendingCount, 0),
    }),
    async stop() {
      isStopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.all(homes.map((home) => home.gateway.stop()))
      logger.info('demo feed stopped')
    },
  }
}

async function backfill(homes: VirtualHome[], days: number, logger: Logger): Promise<BackfillReport> {
  const report: BackfillReport = { homes: 0, batches: 0, accepted: 0, duplicate: 0, rejected: 0, failedHomes: [] }
  if (days <= 0) return report
  const now = new Date()
  await mapWithLimit(homes, 4, async (home) => {
    try {
      for (const day of home.history(days, now)) {
        // A day of one home is far below 500 measurements; chunk anyway, with stable ids per chunk.
        const receipts = await home.gateway.sendReadings(day.readings, {
          maxPerBatch: MAX_MEASUREMENTS_PER_BATCH,
          batchIds: (i) => (i === 0 ? day.batchId : `${day.batchId}-${i + 1}`),
        })
        for (const r of receipts) {
          report.batches += 1
          report.accepted += r.accepted.length
          report.duplicate += r.duplicate.length
          report.rejected += r.rejected.length
        }
      }
      report.homes += 1
    } catch (error) {
      report.failedHomes.push(home.gatewayId)
      if (!(error instanceof GatewayStoppedError)) logger.warn({ gatewayId: home.gatewayId, reason: (error as Error).message }, 'history not sent')
    }
  })
  logger.info({ ...report, days }, 'demo history sent')
  return report
}
