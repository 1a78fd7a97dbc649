import {
  byMeasuredAt, historyLimit, loadReadingsForRules, loadReadingsReceivedSince, NEW_READING_MAX_AGE_MS, type Queryable, type ReadingsRequest,
  type StoredReading,
} from '@varde/db'

export interface ReadingHistoryOptions {
  /** Readings kept, over all patients (the least recently judged patients' go first). Default 100,000. */
  maxReadings?: number
  /** A patient's history is loaded whole again after this long, whatever was merged since. Default 5 minutes. */
  reloadAfterMs?: number
  /**
   * How far before the last load the next one looks again. A reading is
   * stamped `received_at` when ingest receives it and committed a flush
   * later; one committed after a load with a stamp before it is found by the
   * next. Default 60 s.
   */
  overlapMs?: number
  now?: () => number
}

export interface ReadingHistoryStats {
  /** Patients whose history came from the cache and what was received since. */
  hits: number
  /** Patients whose history was loaded whole. */
  loads: number
}

interface Entry {
  needsKey: string
  /** Per vital: the newest readings (at most historyLimit of its window), oldest first. */
  byType: Map<string, StoredReading[]>
  ids: Set<string>
  loadedAt: number
  lastLoadAt: number
}

/**
 * The readings the rules judge a round of patients with (the same answer as
 * `loadReadingsForRules`), kept per patient between rounds so that a busy
 * patient's history is not read again every round: each round reads only
 * what was received since the last (with an overlap), and merges it.
 *
 * Under the ingest benchmark's load (20 readings a second for each of 100
 * patients) whole histories were up to 10,000 readings a round of 25
 * patients, 0.2 to 1.6 s on the one embedded database session, and red
 * alerts waited for those rounds (docs/decisions/0006-rules-worker.md).
 *
 * A history is complete when every reading stored since its load was merged:
 * readings a round finds new are merged, and so is everything received since
 * the last load minus `overlapMs`. A reading that another rules worker judged
 * and that was committed more than `overlapMs` after it was received could
 * be missing until the history is loaded whole again (`reloadAfterMs`).
 */
export class ReadingHistory {
  readonly #db: Queryable
  readonly #maxReadings: number
  #readings = 0
  readonly #reloadAfterMs: number
  readonly #overlapMs: number
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #stats: ReadingHistoryStats = { hits: 0, loads: 0 }

  constructor(db: Queryable, options: ReadingHistoryOptions = {}) {
    this.#db = db
    this.#maxReadings = options.maxReadings ?? 100_000
    this.#reloadAfterMs = options.reloadAfterMs ?? 5 * 60_000
    this.#overlapMs = options.overlapMs ?? 60_000
    this.#now = options.now ?? Date.now
  }

  stats(): ReadingHistoryStats {
    return { ...this.#stats }
  }

  /** Per patient, the new readings and the history before them, oldest first: what `loadReadingsForRules` answers. */
  async load(requests: ReadingsRequest[]): Promise<Map<string, StoredReading[]>> {
    const now = this.#now()
    const cached: { request: ReadingsRequest; entry: Entry }[] = []
    const whole: ReadingsRequest[] = []
    for (const request of requests) {
      const entry = this.#entries.get(request.patientId)
      if (entry && entry.needsKey === needsKey(request.needs) && now - entry.loadedAt < this.#reloadAfterMs) cached.push({ request, entry })
      else whole.push(request)
    }
    // whole: history from the earliest a new reading can have been measured, so later rounds can use it
    const historyFrom = new Date(now - NEW_READING_MAX_AGE_MS)
    const maxNeed = Math.max(0, ...requests.flatMap((r) => Object.values(r.needs)))
    const [loaded, received] = await Promise.all([
      loadReadingsForRules(this.#db, whole.map((r) => ({ ...r, historyFrom }))),
      loadReadingsReceivedSince(
        this.#db,
        cached.map(({ request, entry }) => ({ patientId: request.patientId, since: new Date(Math.min(request.pendingSince.getTime(), entry.lastLoadAt - this.#overlapMs)) })),
        maxNeed + NEW_READING_MAX_AGE_MS,
      ),
    ])
    const out = new Map<string, StoredReading[]>()
    for (const request of whole) {
      this.#stats.loads++
      const all = loaded.get(request.patientId) ?? []
      this.#forget(request.patientId)
      const entry: Entry = { needsKey: needsKey(request.needs), byType: new Map(), ids: new Set(), loadedAt: now, lastLoadAt: now }
      merge(entry, request, all)
      this.#remember(request.patientId, entry)
      const fresh = all.filter((r) => isNew(r, request, now))
      if (fresh.length > 0) out.set(request.patientId, assemble(entry, request, fresh))
    }
    for (const { request, entry } of cached) {
      this.#stats.hits++
      const arrived = received.get(request.patientId) ?? []
      // (unless a patient remembered earlier in this call pushed it out)
      if (this.#entries.get(request.patientId) === entry) this.#readings -= entry.ids.size
      merge(entry, request, arrived)
      entry.lastLoadAt = now
      this.#remember(request.patientId, entry)
      const fresh = arrived.filter((r) => isNew(r, request, now))
      if (fresh.length > 0) out.set(request.patientId, assemble(entry, request, fresh))
    }
    return out
  }

  /** Keeps a patient's history as the most recently judged, and forgets the least recently judged beyond maxReadings. */
  #remember(patientId: string, entry: Entry): void {
    this.#entries.delete(patientId)
    this.#entries.set(patientId, entry)
    this.#readings += entry.ids.size
    for (const oldest of this.#entries.keys()) {
      if (this.#readings <= this.#maxReadings || oldest === patientId) break
      this.#forget(oldest)
    }
  }

  #forget(patientId: string): void {
    const entry = this.#entries.get(patientId)
    if (!entry) return
    this.#readings -= entry.ids.size
    this.#entries.delete(patientId)
  }
}

const needsKey = (needs: ReadingsRequest['needs']): string =>
  Object.entries(needs).sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, ms]) => `${type}:${ms}`).join(',')

/** New for the rules: received since the patient was queued, and measured within a day of now. */
const isNew = (r: StoredReading, request: ReadingsRequest, now: number): boolean =>
  r.receivedAt.getTime() >= request.pendingSince.getTime() && r.measuredAt.getTime() >= now - NEW_READING_MAX_AGE_MS

/** Adds readings of the vitals the rules look back on, keeping per vital the newest `historyLimit` within reach. */
function merge(entry: Entry, request: ReadingsRequest, readings: StoredReading[]): void {
  const touched = new Set<string>()
  for (const r of readings) {
    if (request.needs[r.type] === undefined || entry.ids.has(r.storedId)) continue
    entry.ids.add(r.storedId)
    const list = entry.byType.get(r.type)
    if (list) list.push(r)
    else entry.byType.set(r.type, [r])
    touched.add(r.type)
  }
  for (const type of touched) {
    const limit = historyLimit(request.needs[type as keyof ReadingsRequest['needs']] ?? 0)
    const list = entry.byType.get(type)!.sort(byMeasuredAt)
    if (list.length > limit) for (const gone of list.splice(0, list.length - limit)) entry.ids.delete(gone.storedId)
  }
}

/** What loadReadingsForRules gives for one patient: the new readings, and per vital its history before the earliest of them. */
function assemble(entry: Entry, request: ReadingsRequest, fresh: StoredReading[]): StoredReading[] {
  const from = Math.min(...fresh.map((r) => r.measuredAt.getTime()))
  const seen = new Set<string>()
  const out: StoredReading[] = []
  const add = (r: StoredReading) => {
    if (seen.has(r.storedId)) return
    seen.add(r.storedId)
    out.push(r)
  }
  for (const [type, ms] of Object.entries(request.needs)) {
    const list = entry.byType.get(type) ?? []
    const inReach = list.filter((r) => r.measuredAt.getTime() >= from - ms)
    inReach.slice(-historyLimit(ms)).forEach(add)
  }
  fresh.forEach(add)
  return out.sort(byMeasuredAt)
}
