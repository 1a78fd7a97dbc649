import { applyRetention, refreshRollups, startWorkLoop, type Queryable } from '@varde/db'
import type { Logger } from 'pino'

export interface RollupRefresherOptions {
  db: Queryable
  logger: Logger
  /** How often to look for dirty days (default 30 s). */
  intervalMs?: number
  /**
   * How long a dirty mark waits before its day is recomputed (default 5 min):
   * a day still receiving readings is recomputed at most this often rather
   * than at every round, and a trend read takes it from the raw readings
   * meanwhile, so no chart misses a reading (docs/decisions/0032).
   */
  settleMs?: number
  /**
   * Days recomputed per statement (default 4). The embedded database runs one
   * statement at a time and every reading's store waits behind it: a day of
   * 1-minute readings takes ~170 ms (bench:trends), so a round stays well
   * under the alert budget even when every day in it is full.
   */
  daysPerRound?: number
  /** How often to apply each tenant's retention of raw readings (default 1 h). */
  retentionIntervalMs?: number
}

export interface RollupRefresher {
  /** Refreshes every dirty day, settled or not, until none is left; resolves with the days done (tests, the bench). */
  refreshNow(): Promise<number>
  stop(): Promise<void>
}

/**
 * The trend rollups' refresh (migration 0028, docs/decisions/0029 and 0032):
 * the platform's own job, since the embedded database runs no TimescaleDB
 * scheduler and a plain PostgreSQL has none. A round recomputes a few settled
 * days; a round that found a full batch wakes itself for the rest after a
 * pause at least twice its own length, so the job never holds more than a
 * third of the database's time while ingest is busy. Also each tenant's
 * retention of raw readings, hourly.
 */
export function startRollupRefresher(options: RollupRefresherOptions): RollupRefresher {
  const log = options.logger.child({ part: 'rollups' })
  const perRound = options.daysPerRound ?? 4
  const settleMs = options.settleMs ?? 300_000
  let total = 0
  // refreshNow's rounds take every mark and go on without a pause
  let flushing = false
  let pause: NodeJS.Timeout | undefined
  const loop = startWorkLoop({
    round: {
      everyMs: options.intervalMs ?? 30_000,
      run: async () => {
        const started = performance.now()
        const days = await refreshRollups(options.db, perRound, flushing ? 0 : settleMs / 1000)
        total += days
        if (days >= perRound && !flushing && pause === undefined) {
          pause = setTimeout(() => { pause = undefined; loop.wake('round') }, Math.max(50, 2 * (performance.now() - started)))
          pause.unref()
        }
        if (days > 0) log.debug({ event: 'rollups-refreshed', days }, 'trend rollups refreshed')
        return days
      },
    },
    // each tenant's raw_retention_days (migration 0028); hourly is often enough for a setting in days
    retention: {
      everyMs: options.retentionIntervalMs ?? 3_600_000,
      run: async () => {
        const gone = await applyRetention(options.db)
        if (gone > 0) log.info({ event: 'retention-applied', readings: gone }, 'raw readings past their tenant\'s retention deleted')
        return gone
      },
    },
  }, { onError: (_job, error) => log.error({ err: error, event: 'rollups-failed' }, 'trend rollup refresh failed; trying again at the next round') })

  return {
    async refreshNow() {
      const before = total
      flushing = true
      try {
        for (let days = await loop.run('round'); days !== undefined && days >= perRound; days = await loop.run('round'));
      } finally {
        flushing = false
      }
      return total - before
    },
    async stop() {
      clearTimeout(pause)
      await loop.stop()
    },
  }
}
