/** What ingest has done since it started (`IngestService.stats`). */
export interface IngestStats {
  batches: number
  accepted: number
  duplicate: number
  rejected: number
  malformed: number
  /** Batches rejected whole because the database could not store them (store-flush.ts). */
  unstorable: number
  flushes: number
  /** Time spent waiting for the store statement of flushes, in ms (with `flushes`: how busy the database is for ingest). */
  storeMs: number
  /** Failed database calls (each is retried). */
  storeErrors: number
}

/** The counters each room of ingest adds to. */
export type IngestCounters = IngestStats

export const newIngestStats = (): IngestStats => ({
  batches: 0, accepted: 0, duplicate: 0, rejected: 0, malformed: 0, unstorable: 0, flushes: 0, storeMs: 0, storeErrors: 0,
})
