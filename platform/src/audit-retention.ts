import { purgeExpiredAuditEntries, startWorkLoop, type Queryable } from '@varde/db'
import type { Logger } from 'pino'

/** Once a day (and at start): retention counts in years, a day late is nothing, a purge at every start is cheap when nothing is due. */
export const AUDIT_PURGE_INTERVAL_MS = 24 * 60 * 60 * 1000

export interface AuditRetention {
  /** Purges now (tests, the CLI); resolves with what was deleted per tenant. */
  runNow(): Promise<{ tenantId: string; deleted: number }[]>
  stop(): Promise<void>
}

/**
 * The access log's retention, enforced by the platform's own work loop
 * (docs/decisions/0022 and 0025): each tenant's entries older than its
 * setting are deleted through the database's one narrow path
 * (audit_purge_expired, migration 0024), which anchors the cut. Logs counts
 * and tenant ids only, never an entry.
 */
export function startAuditRetention(options: { db: Queryable; logger: Logger; everyMs?: number }): AuditRetention {
  const log = options.logger.child({ part: 'audit-retention' })
  const purge = async () => {
    const purged = await purgeExpiredAuditEntries(options.db)
    for (const p of purged) log.info({ event: 'audit-purged', tenantId: p.tenantId, throughSeq: p.throughSeq, deleted: p.deleted }, 'access-log entries past retention deleted, the cut anchored')
    return purged
  }
  const loop = startWorkLoop({ purge: { run: purge, atStart: true, everyMs: options.everyMs ?? AUDIT_PURGE_INTERVAL_MS } }, {
    onError: (_job, error) => log.error({ err: error, event: 'audit-purge-failed' }, 'access-log retention purge failed; trying again at the next interval'),
  })
  return {
    runNow: async () => (await loop.run('purge')) ?? [],
    stop: () => loop.stop(),
  }
}
