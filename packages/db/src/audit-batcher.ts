import pg from 'pg'
import { recordAccesses, type AccessEntry } from './audit.js'
import type { Queryable } from './pool.js'
import { tenantWalled } from './tenant-wall.js'

/**
 * Writes access-log entries in batches, like ingest stores readings
 * (issue 19; docs/decisions/0019-log-control.md): per tenant, one insert in
 * flight; the entries that arrive meanwhile go together in the next one.
 * The hash chain (migration 0020) serialises a tenant's writers on its head
 * row, so one statement per waiting request queued them there; one per batch
 * costs one transaction and one lock for all of them. Each caller still
 * awaits its own entry's commit: a read is answered only once its entry is
 * stored, and a failed insert fails every read of that batch (never an
 * answer without its entry).
 */
interface Waiting { entries: AccessEntry[]; resolve(): void; reject(error: unknown): void }

export class AuditBatcher {
  private readonly queues = new Map<string, Waiting[]>()
  private readonly inFlight = new Set<string>()

  constructor(private readonly pool: Pick<pg.Pool, 'connect'>, private readonly maxBatch = 500) {}

  write(entries: AccessEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve()
    const tenantId = entries[0]!.tenantId
    if (entries.some((e) => e.tenantId !== tenantId)) return Promise.reject(new Error('one batch of access-log entries is one tenant\'s'))
    return new Promise<void>((resolve, reject) => {
      let queue = this.queues.get(tenantId)
      if (!queue) this.queues.set(tenantId, queue = [])
      queue.push({ entries, resolve, reject })
      if (!this.inFlight.has(tenantId)) void this.flush(tenantId)
    })
  }

  private async flush(tenantId: string): Promise<void> {
    this.inFlight.add(tenantId)
    try {
      for (let queue = this.queues.get(tenantId); queue && queue.length > 0; queue = this.queues.get(tenantId)) {
        // whole requests only, up to maxBatch entries (a request's list is never split)
        let n = 0
        let count = 0
        while (n < queue.length && (n === 0 || count + queue[n]!.entries.length <= this.maxBatch)) count += queue[n++]!.entries.length
        const batch = queue.splice(0, n)
        try {
          await recordAccesses(tenantWalled(this.pool, tenantId), batch.flatMap((w) => w.entries))
          for (const w of batch) w.resolve()
        } catch (error) {
          for (const w of batch) w.reject(error)
        }
      }
    } finally {
      this.inFlight.delete(tenantId)
      this.queues.delete(tenantId)
    }
  }
}

const batchers = new WeakMap<object, AuditBatcher>()

/**
 * The process's batcher for a pool; for a Queryable that is not a pool (a
 * test's one client, a transaction the caller holds), null: write directly.
 */
export function auditBatcherOf(db: Queryable): AuditBatcher | null {
  if (!(db instanceof pg.Pool)) return null
  let batcher = batchers.get(db)
  if (!batcher) batchers.set(db, batcher = new AuditBatcher(db))
  return batcher
}
