import type { Level } from 'level'
import { packr } from './msgpack.js'

/** A stored value: a plain object (a packet, a subscription), kept as is in memory and MessagePack-encoded in LevelDB. */
export type StoredValue = Record<string, unknown>
/** A pending write: the new value, or `null` for a delete. */
type Pending = StoredValue | null

export interface Range {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
}

type BatchOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string }

export interface WriteBackOptions {
  /**
   * The window (ms): a write reaches LevelDB after one to two windows, unless
   * a later write of its key (a delete) came first; default 50.
   */
  flushMs?: number
  /** Pending writes that trigger writing everything at once; default 10,000. */
  maxPending?: number
  /** Values already in LevelDB kept in memory for reads (the most recently written); default 20,000. */
  cacheEntries?: number
  /** Called when a flush fails; the writes stay pending and are tried again. */
  onError?: (error: Error) => void
}

/** What reached LevelDB, for metrics and tests. */
export interface WriteBackStats {
  /** Batches written. */
  flushes: number
  puts: number
  /** Deletes written (tombstones). */
  deletes: number
  /** Deletes not written: the key was known not to be in LevelDB (written as new, or in a tracked range and not there). */
  deletesSkipped: number
  /** Values encoded (only those that outlive a window are). */
  encoded: number
}

/**
 * LevelDB with a write-back cache in front, holding values as objects: the
 * store under the broker's LevelDB persistence (level-persistence.ts).
 *
 * Aedes writes every queued QoS 1 message three times and reads it twice
 * before its PUBACK deletes it again. Here writes land in memory and reads
 * see them at once. Every `flushMs` the writes of the window before the last
 * go to LevelDB in one batch, unless a later write of their key came since
 * (it waits its own turn): so a write reaches LevelDB one to two windows
 * after it was made, and a message acknowledged within one window never
 * does. A value is encoded (MessagePack, as aedes-persistence-level wrote
 * it) only when it reaches LevelDB, and deleting a key that is known not to
 * be in LevelDB costs no tombstone: a key written as new
 * (`put(…, { isNew: true })`) and deleted before it was written, or a key of a
 * range whose keys in LevelDB the store keeps count of (`track`). Recently
 * written values stay readable from memory.
 *
 * Values are the caller's: the store neither copies nor changes them, and
 * what `get` returns must not be changed (level-persistence.ts copies).
 *
 * What it gives up: a broker process that dies (not one that stops: `close`
 * flushes) loses its last two windows of session state. Varde's delivery
 * does not rest on the broker's store: a gateway keeps every batch until its
 * receipt and re-sends it, and ingest stores idempotently
 * (docs/decisions/0007-broker-write-back.md).
 */
export class WriteBackLevel {
  readonly #db: Level<string, Buffer>
  readonly #flushMs: number
  readonly #maxPending: number
  readonly #onError: (error: Error) => void
  /** Writes of the current window. */
  #pending = new Map<string, Pending>()
  /** Writes of the window before, of keys not written since: the next batch. */
  #older = new Map<string, Pending>()
  /** Writes being written by the batch in flight (still read from here until it is done). */
  #flushing = new Map<string, Pending>()
  /**
   * What LevelDB holds for recently flushed keys, so a read of a message
   * queued a while ago (ingest acknowledges after its database commit) does
   * not go to disk. Oldest evicted first.
   */
  #clean = new Map<string, StoredValue>()
  readonly #cacheEntries: number
  /** Keys written as new (never in LevelDB) and not written to LevelDB since. */
  readonly #newUnwritten = new Set<string>()
  /** Key prefixes whose keys in LevelDB are all in `#present` (`track`). */
  readonly #tracked: string[] = []
  /** The keys of the tracked ranges that are, or may be, in LevelDB. */
  readonly #present = new Set<string>()
  #beforeWrite: ((all: boolean) => boolean) | undefined
  /** The layer above holds writes back (its last answer): the windows go on while it does. */
  #isHolding = false
  /** Inside beforeWrite: the flush that asked takes the writes handed over. */
  #isHandingOver = false
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | undefined
  #closed = false
  readonly stats: WriteBackStats = { flushes: 0, puts: 0, deletes: 0, deletesSkipped: 0, encoded: 0 }

  constructor(db: Level<string, Buffer>, options: WriteBackOptions = {}) {
    this.#db = db
    this.#flushMs = options.flushMs ?? 50
    this.#maxPending = options.maxPending ?? 10_000
    this.#cacheEntries = options.cacheEntries ?? 20_000
    this.#onError = options.onError ?? (() => {})
  }

  /** Pending writes, for metrics and tests. */
  get pendingWrites(): number {
    return this.#pending.size + this.#older.size + this.#flushing.size
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const own = this.#lookup(key)
    if (own !== undefined) return own ?? undefined
    if (this.#isKnownAbsent(key)) return undefined
    const blob = await this.#db.get(key, { valueEncoding: 'buffer' })
    // a write that arrived while LevelDB was reading is newer than what it read
    const newer = this.#lookup(key)
    if (newer !== undefined) return newer ?? undefined
    return blob === undefined ? undefined : (packr.unpack(blob) as StoredValue)
  }

  /** `isNew`: the caller knows the key has never been in LevelDB (it carries an id made for this process). */
  put(key: string, value: StoredValue, options?: { isNew?: boolean }): void {
    this.#write(key, value)
    if (options?.isNew) this.#newUnwritten.add(key)
  }

  del(key: string): void {
    this.#write(key, null)
  }

  /**
   * Called before each batch is made, with `all` when everything pending is
   * about to be written (`flush`: range reads, close), so that a layer above
   * can hand over what it has held back; it answers whether it still holds
   * some (then the windows go on). It calls `holding` when it begins to hold.
   */
  beforeWrite(hook: (all: boolean) => boolean): void {
    this.#beforeWrite = hook
  }

  /** The layer above holds writes back: the next window will ask it for them (`beforeWrite`). */
  holding(): void {
    this.#isHolding = true
    if (!this.#timer) this.#schedule()
  }

  /**
   * Keeps count of the keys under `prefix` (which ends with ':') that are in
   * LevelDB, reading them now, so that deleting one that is not there costs
   * nothing. For ranges with few keys in LevelDB at any time but many writes
   * (the message ids of messages in flight: each is used again and again).
   */
  async track(prefix: string): Promise<void> {
    await this.flush()
    for await (const key of this.#db.keys(prefixRange(prefix))) this.#present.add(key)
    this.#tracked.push(prefix)
  }

  /** Deletes a range: what is pending goes to LevelDB first, so the range is whole. */
  async clear(range: Range): Promise<void> {
    await this.flush()
    this.#clean.clear() // rare (a clean session's incoming QoS 2 packets): no need to be clever
    await this.#db.clear(range)
    for (const key of this.#present) if (inRange(key, range)) this.#present.delete(key)
  }

  /** Values of a range, in key order, as of the call: pending writes are flushed first. */
  async *values(range: Range): AsyncGenerator<StoredValue> {
    await this.flush()
    for await (const blob of this.#db.values({ ...range, valueEncoding: 'buffer' })) yield packr.unpack(blob) as StoredValue
  }

  /** Writes everything pending to LevelDB; resolves when it is there. */
  async flush(): Promise<void> {
    await this.#flush(true)
  }

  /** `all`: every pending write; otherwise those of the window before the last (the timer's). */
  async #flush(all: boolean): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    // one batch at a time, in order; writes arriving meanwhile wait for the next
    while (this.#inFlight) await this.#inFlight.catch(() => {})
    if (this.#beforeWrite) {
      // the layer above hands its held writes over by put(): those must not start a flush of their own inside this
      // one (each would ask the layer again, one nested call per held write, until the stack ran out and the
      // swallowed RangeError lost the writes), so this batch takes them all when they reach maxPending
      this.#isHandingOver = true
      try {
        this.#isHolding = this.#beforeWrite(all)
      } finally {
        this.#isHandingOver = false
      }
    }
    const takeAll = all || this.#pending.size >= this.#maxPending
    const batch = this.#older
    if (takeAll) {
      for (const [key, value] of this.#pending) batch.set(key, value)
      this.#older = new Map()
    } else {
      this.#older = this.#pending
    }
    this.#pending = new Map()
    if (batch.size === 0) {
      this.#schedule()
      return
    }
    this.#flushing = batch
    const ops: BatchOp[] = []
    const deleted: string[] = []
    const written: [string, StoredValue][] = []
    for (const [key, value] of batch) {
      const isNew = this.#newUnwritten.delete(key)
      if (value === null) {
        // (a key never written is not among the clean values either)
        if (isNew || (this.#isTracked(key) && !this.#present.has(key))) {
          this.stats.deletesSkipped++
          continue
        }
        ops.push({ type: 'del', key })
        deleted.push(key)
      } else {
        // from now on it may be in LevelDB (even if this batch fails: then a tombstone too many, no more)
        if (this.#isTracked(key)) this.#present.add(key)
        ops.push({ type: 'put', key, value: packr.pack(value) })
        written.push([key, value])
      }
    }
    this.stats.encoded += written.length
    const done = () => {
      // a deleted key is not worth remembering as a value: most are never read again
      for (const key of deleted) this.#clean.delete(key)
      for (const [key, value] of written) {
        this.#clean.delete(key) // to the end: the most recent is evicted last
        this.#clean.set(key, value)
      }
      this.#evict()
      this.#flushing = new Map()
      this.#schedule()
    }
    if (ops.length === 0) {
      done()
      return
    }
    this.#inFlight = this.#db.batch(ops, { valueEncoding: 'buffer' }).then(
      () => {
        this.stats.flushes++
        this.stats.deletes += deleted.length
        this.stats.puts += ops.length - deleted.length
        for (const key of deleted) this.#present.delete(key)
        done()
      },
      (error: Error) => {
        // keep the writes, for the next batch, under anything newer
        for (const [key, value] of this.#older) batch.set(key, value)
        for (const key of this.#pending.keys()) batch.delete(key)
        this.#older = batch
        this.#flushing = new Map()
        this.#onError(error)
        this.#schedule()
        throw error
      },
    ).finally(() => {
      this.#inFlight = undefined
    })
    await this.#inFlight
  }

  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#beforeWrite) this.#isHolding = this.#beforeWrite(true)
    this.#closed = true
    try {
      await this.flush()
    } finally {
      await this.#db.close()
    }
  }

  #evict(): void {
    let excess = this.#clean.size - this.#cacheEntries
    if (excess <= 0) return
    for (const key of this.#clean.keys()) {
      this.#clean.delete(key)
      if (--excess <= 0) break
    }
  }

  #isTracked(key: string): boolean {
    for (const prefix of this.#tracked) if (key.startsWith(prefix)) return true
    return false
  }

  /** Not in memory (the caller has looked), and known not to be in LevelDB. */
  #isKnownAbsent(key: string): boolean {
    return this.#newUnwritten.has(key) || (this.#isTracked(key) && !this.#present.has(key))
  }

  #lookup(key: string): Pending | undefined {
    const pending = this.#pending.get(key)
    if (pending !== undefined) return pending
    const older = this.#older.get(key)
    if (older !== undefined) return older
    const flushing = this.#flushing.get(key)
    if (flushing !== undefined) return flushing
    return this.#clean.get(key)
  }

  #write(key: string, value: Pending): void {
    if (this.#closed) throw new Error('write-back store is closed')
    // the last write of a key is the one that counts, and it waits its own window
    this.#older.delete(key)
    this.#pending.set(key, value)
    if (this.#pending.size >= this.#maxPending && !this.#isHandingOver) this.flush().catch(() => {})
    else this.#schedule()
  }

  #schedule(): void {
    if (this.#timer || this.#closed || (this.#pending.size === 0 && this.#older.size === 0 && !this.#isHolding)) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#flush(false).catch(() => {})
    }, this.#flushMs)
    this.#timer.unref()
  }
}

/** Every key under `prefix`, which ends with ':' (';' is the next byte, so nothing sorts between). */
export const prefixRange = (prefix: string): Range => ({ gte: prefix, lt: `${prefix.slice(0, -1)};` })

function inRange(key: string, range: Range): boolean {
  return (range.gt === undefined || key > range.gt) && (range.gte === undefined || key >= range.gte) &&
    (range.lt === undefined || key < range.lt) && (range.lte === undefined || key <= range.lte)
}
