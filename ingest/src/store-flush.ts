import { setTimeout as sleep } from 'node:timers/promises'
import { storeBatches, type BatchToStore, type Queryable, type StoreResult } from '@varde/db'
import type { Logger } from 'pino'

/**
 * A database error caused by what one statement was given, not by the
 * database's state: SQLSTATE class 22 (data exception: a NUL in text, a
 * number out of range), 23 (integrity constraint: a CHECK), 54 (program
 * limit: an index entry too large). The same input fails again however
 * often it is retried. Anything else (a lost connection, a database
 * starting, a lock timeout, a program error that fails every batch alike)
 * is retried as it was: rejecting batches for it would lose readings.
 */
export function isContentError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)
}

/** Thrown when stop's deadline passes while a flush still waits for the database. */
export class StopDeadlineError extends Error {
  constructor() {
    super('ingest is stopping: its deadline passed before the database answered')
    this.name = 'StopDeadlineError'
  }
}

export interface FlushStoreOptions {
  db: Queryable
  log: Logger
  /** Aborted when stop's deadline passes: no more retries, no more waiting. */
  deadline: AbortSignal
  /** Counts every failed database call. */
  onError(): void
}

export interface FlushStoreResult extends StoreResult {
  /** Batches (by index) that could not be stored for their content: the detail for their receipt. */
  failed: Map<number, string>
}

/**
 * Stores a flush (issue 14: one bad batch must never block a flush). First
 * in one statement (storeBatches); a statement that fails for its content
 * is retried batch by batch, and a batch that still fails is kept whole as a
 * rejection (`malformed-batch`, with its raw payload: `rejectionOf`) and
 * answered so, never retried for ever. A database that is slow or away is
 * retried with back-off until it answers or the deadline passes
 * (StopDeadlineError): nothing is receipted that is not stored.
 */
export async function storeFlush(
  options: FlushStoreOptions,
  batches: BatchToStore[],
  rejectionOf: (index: number, detail: string) => BatchToStore,
): Promise<FlushStoreResult> {
  const store = (input: BatchToStore[]) => retrying(options, () => storeBatches(options.db, input))
  try {
    return { ...(await store(batches)), failed: new Map() }
  } catch (error) {
    if (!isContentError(error)) throw error
    options.log.warn({ event: 'store-split', sqlstate: error.code, batches: batches.length }, 'a flush could not be stored for its content; storing its batches one by one')
  }
  const result: FlushStoreResult = { newKeys: new Set(), readingIds: [], failed: new Map() }
  for (const [i, batch] of batches.entries()) {
    try {
      const one = await store([batch])
      result.readingIds[i] = one.readingIds[0] ?? []
      for (const key of one.newKeys) result.newKeys.add(key)
    } catch (error) {
      if (!isContentError(error)) throw error
      result.readingIds[i] = batch.readings.map(() => '')
      const detail = `the batch could not be stored (database error ${error.code}); it is kept for review`
      result.failed.set(i, detail)
      options.log.warn({ event: 'batch-unstorable', gatewayId: batch.gatewayId, sqlstate: error.code }, 'a batch could not be stored; rejected whole')
      try {
        await store([rejectionOf(i, detail)])
      } catch (keepError) {
        if (!isContentError(keepError)) throw keepError
        // the rejection row holds only our own text and the raw as text or base64; should even it fail, the
        // gateway still gets its answer rather than re-sending for ever
        options.log.error({ event: 'rejection-not-kept', gatewayId: batch.gatewayId, sqlstate: keepError.code }, 'the rejection of an unstorable batch could not be kept')
      }
    }
  }
  return result
}

/** Runs a database call until it succeeds or fails for its content; back-off 100 ms … 5 s; ends at the deadline. */
async function retrying<T>(options: FlushStoreOptions, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (options.deadline.aborted) throw new StopDeadlineError()
    try {
      return await call()
    } catch (error) {
      if (isContentError(error)) throw error
      // The database is slow or down: keep the batches (no receipt yet) and retry;
      // held acknowledgements keep the broker from sending more.
      options.onError()
      options.log.error({ err: error, attempt }, 'storing failed; retrying')
      await sleep(Math.min(5000, 100 * 2 ** attempt), undefined, { signal: options.deadline }).catch(() => {})
    }
  }
}
