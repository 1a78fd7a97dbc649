import type { Level } from 'level'

type Value = Buffer
/** A pending write: the new value, or `null` for a delete. */
type Pending = Value | null

interface Range {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
}

type BatchOp = { type: 'put'; key: string; value: Value } | { type: 'del'; key: string }

export interface WriteBackOptions {
  /** Longest time a write waits in memory before it reaches LevelDB (ms); default 50. */
  flushMs?: number
  /** Pending writes that trigger a flush before `flushMs` is up; default 10,000. */
  maxPending?: number
  /** Values already in LevelDB kept in memory for reads (the most recently written); default 20,000. */
  cacheEntries?: number
  /** Called when a flush fails; the writes stay pending and are tried again. */
  onError?: (error: Error) => void
}

/**
 * LevelDB with a write-back cache in front, in the shape aedes-persistence-level
 * uses it (get, put, del, batch, clear, values, close).
 *
 * Aedes writes every queued QoS 1 message three times and reads it twice
 * before its PUBACK deletes it again, each a separate LevelDB call with a trip
 * through libuv's thread pool: at 2,000 messages a second that was most of
 * the broker's CPU (bench/README.md). Here writes land in memory, reads see
 * them at once, and every `flushMs` the net effect goes to LevelDB in one
 * batch: a message delivered and acknowledged within that time costs two
 * tombstones in a batch instead of seven calls. Recently flushed values stay
 * readable from memory.
 *
 * What it gives up: a broker process that dies (not one that stops: `close`
 * flushes) loses its last `flushMs` of session state. Varde's delivery does
 * not rest on the broker's store: a gateway keeps every batch until its
 * receipt and re-sends it, and ingest stores idempotently
 * (docs/decisions/0007-broker-write-back.md).
 */
export class WriteBackLevel {
  readonly #db: Level<string, Value>
  readonly #flushMs: number
  readonly #maxPending: number
  readonly #onError: (error: Error) => void
  /** Writes not yet handed to LevelDB. */
  #pending = new Map<string, Pending>()
  /** Writes being written by the batch in flight (still read from here until it is done). */
  #flushing = new Map<string, Pending>()
  /**
   * What LevelDB holds for recently flushed keys (`null`: deleted), so a read
   * of a message queued a while ago (ingest acknowledges after its database
   * commit) does not go to disk. Oldest evicted first.
   */
  #clean = new Map<string, Pending>()
  readonly #cacheEntries: number
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | undefined
  #closed = false

  constructor(db: Level<string, Value>, options: WriteBackOptions = {}) {
    this.#db = db
    this.#flushMs = options.flushMs ?? 50
    this.#maxPending = options.maxPending ?? 10_000
    this.#cacheEntries = options.cacheEntries ?? 20_000
    this.#onError = options.onError ?? (() => {})
  }

  /** Pending writes, for metrics and tests. */
  get pendingWrites(): number {
    return this.#pending.size + this.#flushing.size
  }

  async get(key: string, _options?: unknown): Promise<Value | undefined> {
    const own = this.#lookup(key)
    if (own !== undefined) return own ?? undefined
    const value = await this.#db.get(key, { valueEncoding: 'buffer' })
    // a write that arrived while LevelDB was reading is newer than what it read
    const newer = this.#lookup(key)
    return newer !== undefined ? (newer ?? undefined) : value
  }

  async put(key: string, value: Value, _options?: unknown): Promise<void> {
    this.#write(key, value)
  }

  async del(key: string): Promise<void> {
    this.#write(key, null)
  }

  batch(): ChainedBatch
  batch(ops: BatchOp[], options?: unknown): Promise<void>
  batch(ops?: BatchOp[]): ChainedBatch | Promise<void> {
    if (!ops) return new ChainedBatch((list) => this.#apply(list))
    this.#apply(ops)
    return Promise.resolve()
  }

  /** Deletes a range: what is pending goes to LevelDB first, so the range is whole. */
  async clear(range: Range): Promise<void> {
    await this.flush()
    this.#clean.clear() // rare (a clean session's incoming QoS 2 packets): no need to be clever
    await this.#db.clear(range)
  }

  /** Values of a range, as of the call: pending writes are flushed first. */
  async *values(options: Range & { valueEncoding?: string }): AsyncGenerator<Value> {
    await this.flush()
    for await (const value of this.#db.values({ ...options, valueEncoding: 'buffer' })) yield value
  }

  /** Writes everything pending to LevelDB; resolves when it is there. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    // one batch at a time, in order; writes arriving meanwhile wait for the next
    while (this.#inFlight) await this.#inFlight.catch(() => {})
    if (this.#pending.size === 0) return
    this.#flushing = this.#pending
    this.#pending = new Map()
    const ops: BatchOp[] = []
    for (const [key, value] of this.#flushing) ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value })
    this.#inFlight = this.#db.batch(ops, { valueEncoding: 'buffer' }).then(
      () => {
        for (const [key, value] of this.#flushing) {
          // a deleted key is not worth remembering: most are never read again
          this.#clean.delete(key)
          if (value !== null) this.#clean.set(key, value)
        }
        this.#evict()
        this.#flushing = new Map()
      },
      (error: Error) => {
        // keep the writes: put back under anything newer, and try again later
        for (const [key, value] of this.#pending) this.#flushing.set(key, value)
        this.#pending = this.#flushing
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

  #evict(): void {
    let excess = this.#clean.size - this.#cacheEntries
    if (excess <= 0) return
    for (const key of this.#clean.keys()) {
      this.#clean.delete(key)
      if (--excess <= 0) break
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.flush()
    } finally {
      await this.#db.close()
    }
  }

  #lookup(key: string): Pending | undefined {
    const pending = this.#pending.get(key)
    if (pending !== undefined) return pending
    const flushing = this.#flushing.get(key)
    if (flushing !== undefined) return flushing
    return this.#clean.get(key)
  }

  #apply(ops: readonly BatchOp[]): void {
    for (const op of ops) this.#write(op.key, op.type === 'put' ? op.value : null, false)
    this.#schedule()
  }

  #write(key: string, value: Pending, schedule = true): void {
    if (this.#closed) throw new Error('write-back store is closed')
    // the last write of a key is the one that counts: a batch holds each key once
    this.#pending.set(key, value)
    if (schedule) this.#schedule()
  }

  #schedule(): void {
    if (this.#pending.size >= this.#maxPending) {
      this.flush().catch(() => {})
      return
    }
    if (this.#timer || this.#pending.size === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.flush().catch(() => {})
    }, this.#flushMs)
    this.#timer.unref()
  }
}

class ChainedBatch {
  readonly #ops: BatchOp[] = []
  readonly #commit: (ops: BatchOp[]) => void

  constructor(commit: (ops: BatchOp[]) => void) {
    this.#commit = commit
  }

  put(key: string, value: Value): this {
    this.#ops.push({ type: 'put', key, value })
    return this
  }

  del(key: string): this {
    this.#ops.push({ type: 'del', key })
    return this
  }

  async write(): Promise<void> {
    this.#commit(this.#ops)
  }
}
