import { applyRetention, refreshRollups, startWorkLoop, type Queryable } from '@varde/db'
import type { Logger } from 'pino'

export interface RollupRefresherOptions {
  db: Queryable
  logger: Logger
  /** How often to look for dirty days (default 30 s): how stale a rollup may be (trend reads are real-time anyway). */
  intervalMs?: number
  /** Days recomputed per statement (default 200): the embedded database runs one statement at a time, so keep each short. */
  daysPerRound?: number
  /** How often to apply each tenant's retention of raw readings (default 1 h). */
  retentionIntervalMs?: number
}

export interface RollupRefresher {
  /** Refreshes until nothing is dirty; resolves with the days done (tests, the bench). */
  refreshNow(): Promise<number>
  stop(): Promise<void>
}

/**
 * The trend rollups' refresh (migration 0028, docs/decisions/0029): the
 * platform's own job, since the embedded database runs no TimescaleDB
 * scheduler and a plain PostgreSQL has none. One round per wake, a round
 * that found a full batch wakes itself for the rest. Also each tenant's
 * retention of raw readings, hourly.
 */
export function startRollupRefresher(options: RollupRefresherOptions): RollupRefresher {
  const log = options.logger.child({ part: 'rollups' })
  const perRound = options.daysPerRound ?? 200
  let total = 0
  const loop = startWorkLoop({
    round: {
      everyMs: options.intervalMs ?? 30_000,
      run: async () => {
        const days = await refreshRollups(options.db, perRound)
        total += days
        if (days >= perRound) loop.wake('round')
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
      for (let days = await loop.run('round'); days !== undefined && days >= perRound; days = await loop.run('round'));
      return total - before
    },
    stop: () => loop.stop(),
  }
}
