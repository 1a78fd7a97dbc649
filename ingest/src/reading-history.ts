import {
  byMeasuredAt, historyLimit, loadReadingsForRules, loadReadingsReceivedSince, NEW_READING_MAX_AGE_MS, type Queryable, type ReadingsRequest,
  type StoredReading,
} from '@varde/db'

export interface ReadingHistoryOptions {
  /**
   * Readings kept, over all patients (default 200,000, some 100 MB). When
   * full, histories due to be loaded whole again make room; if that is not
   * enough, a new history is not kept. (Evicting the least recently judged
   * instead kept nothing useful: the queue judges patients in turn, so the
   * one evicted was always the one due next.)
   */
  maxReadings?: number
  /** A patient's history is loaded whole again after this long, whatever was merged since. Default 5 minutes. */
  reloadAfterMs?: number
  /**
   * How far before the last load the next one looks again, for readings that
   * another worker judged: a reading is stamped `received_at` when ingest
   * receives it and committed a flush later, so one committed after a load
   * with a stamp before it is found by the next if the flush took less than
   * this (and the hosts' clocks agree within it). Default 5 s.
   */
  overlapMs?: number
  now?: () => number
}

export interface ReadingHistoryStats {
  /** Patients whose history came from the cache and what was received since. */
  hits: number
  /** Patients whose history was loaded whole. */
  loads: number
  /** Patients and readings kept now. */
  patients: number
  readings: number
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
 * what was received since the last, and merges it.
 *
 * Under the alert benchmark's load (10 readings a second for each of 200
 * patients) whole histories were up to 10,000 readings a round of 25
 * patients, 0.2 to 1.6 s on the one embedded database session, and red
 * alerts waited for those rounds (docs/decisions/0006-rules-after-storing.md).
 *
 * Why nothing is missed: each round reads what was received since the
 * earlier of the claim's `pendingSince` and the last load (less
 * `overlapMs`). Every reading committed after a load queues its patient
 * with `pending_since` at or before its own `received_at` (the store
 * statement), so the next claim of that patient, by this worker, reaches
 * back to it. Only a claim another worker takes can leave this worker's
 * copy without a reading: one committed more than `overlapMs` after it was
 * received, until the copy is loaded whole again (`reloadAfterMs`).
 */
export class ReadingHistory {
  readonly #db: Queryable
  readonly #maxReadings: number
  #readings = 0
  readonly #reloadAfterMs: number
  readonly #overlapMs: number
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #stats = { hits: 0, loads: 0 }

  constructor(db: Queryable, options: ReadingHistoryOptions = {}) {
    this.#db = db
    this.#maxReadings = options.maxReadings ?? 200_000
    this.#reloadAfterMs = options.reloadAfterMs ?? 5 * 60_000
    this.#overlapMs = options.overlapMs ?? 5000
    this.#now = options.now ?? Date.now
  }

  stats(): ReadingHistoryStats {
    return { ...this.#stats, patients: this.#entries.size, readings: this.#readings }
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
      const entry: Entry = { needsKey: needsKey(request.needs), byType: new Map(), ids: new Set(), loadedAt: now, lastLoadAt: now }
      this.#update(request, entry, loaded.get(request.patientId) ?? [], now, out)
    }
    for (const { request, entry } of cached) {
      this.#stats.hits++
      entry.lastLoadAt = now
      this.#update(request, entry, received.get(request.patientId) ?? [], now, out)
    }
    return out
  }

  /** Merges what was read into a patient's history, keeps it if there is room, and answers for its new readings. */
  #update(request: ReadingsRequest, entry: Entry, readings: StoredReading[], now: number, out: Map<string, StoredReading[]>): void {
    this.#forget(request.patientId)
    merge(entry, request, readings, now)
    this.#remember(request.patientId, entry, now)
    const fresh = readings.filter((r) => isNew(r, request, now))
    if (fresh.length > 0) out.set(request.patientId, assemble(entry, request, fresh))
  }

  /** Keeps a patient's history, if there is room (see maxReadings). */
  #remember(patientId: string, entry: Entry, now: number): void {
    this.#entries.set(patientId, entry)
    this.#readings += entry.ids.size
    if (this.#readings <= this.#maxReadings) return
    for (const [id, other] of this.#entries) {
      if (this.#readings <= this.#maxReadings) return
      if (now - other.loadedAt >= this.#reloadAfterMs) this.#forget(id)
    }
    if (this.#readings > this.#maxReadings) this.#forget(patientId)
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

/**
 * Adds readings of the vitals the rules look back on, within reach of any
 * reading still new (measured up to a day ago, less the vital's window),
 * keeping per vital the newest `historyLimit`.
 */
function merge(entry: Entry, request: ReadingsRequest, readings: StoredReading[], now: number): void {
  const touched = new Set<string>()
  for (const r of readings) {
    const need = request.needs[r.type]
    if (need === undefined || r.measuredAt.getTime() < now - NEW_READING_MAX_AGE_MS - need || entry.ids.has(r.storedId)) continue
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
