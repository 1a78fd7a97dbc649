import { bufferedCount, readingsOf, type Pending } from './batch-intake.js'

/** Flushes under way at once. */
const MAX_FLUSHES = 2

export interface FlushBufferOptions {
  /** Flush when this many readings are buffered ... */
  flushReadings: number
  /** ... or when the oldest buffered batch has waited this long. */
  flushIntervalMs: number
  /** Stop taking messages from the broker while this many readings wait (back-pressure). */
  maxBuffered: number
  /** Stores a flush and answers it; false when it was left unanswered (stop's deadline): its gateways re-send. */
  storeAndAnswer(pending: Pending[]): Promise<boolean>
}

/** The bounded buffer between the broker and the store statement. */
export interface FlushBuffer {
  add(p: Pending): void
  /** The broker's acknowledgement of a message: given at once, or held while the buffer is full. */
  acknowledge(ack: () => void): void
  /** Stores everything buffered, flush after flush, until nothing is left. */
  drain(): Promise<void>
  /** What has no receipt yet: being stored, given up at the deadline, still buffered (for stop's log). */
  unanswered(): { batches: number; readings: number }
  stop(): void
}

/**
 * Buffering and flush scheduling: a flush starts when `flushReadings` wait or
 * the oldest batch has waited `flushIntervalMs`, with up to two under way at
 * once: while the database runs one statement, ingest prepares the next and
 * answers the last, so the database does not wait for ingest between
 * flushes. Past `maxBuffered` readings the broker's acknowledgements are held,
 * and with them MQTT.js's next packet (back-pressure).
 */
export function flushBuffer(options: FlushBufferOptions): FlushBuffer {
  const { flushReadings, flushIntervalMs, maxBuffered } = options
  let buffer: Pending[] = []
  /** Readings in `buffer`, not yet in a flush (`bufferedReadings` counts those being stored too, for back-pressure). */
  let waitingReadings = 0
  let bufferedReadings = 0
  let flushTimer: NodeJS.Timeout | undefined
  const running = new Set<Promise<void>>()
  /** The batches of the flushes under way, and those a flush gave up on at stop's deadline. */
  const storing = new Set<Pending[]>()
  const givenUp: Pending[][] = []
  const heldAcks: (() => void)[] = []

  /** Starts a flush unless MAX_FLUSHES are under way (the next starts when one ends); resolves when every flush under way has ended. */
  function flush(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    if (buffer.length > 0 && running.size < MAX_FLUSHES) {
      const run: Promise<void> = flushNow().finally(() => {
        running.delete(run)
        if (waitingReadings >= flushReadings) void flush()
        else if (buffer.length > 0) flushTimer ??= setTimeout(() => void flush(), flushIntervalMs)
      })
      running.add(run)
    }
    return Promise.all(running).then(() => {})
  }

  async function flushNow(): Promise<void> {
    if (buffer.length === 0) return
    const pending = buffer
    buffer = []
    waitingReadings = 0
    storing.add(pending)
    let isAnswered = false
    try {
      isAnswered = await options.storeAndAnswer(pending)
    } finally {
      storing.delete(pending)
      if (!isAnswered) givenUp.push(pending)
    }
    bufferedReadings -= bufferedCount(pending)
    while (heldAcks.length > 0 && bufferedReadings < maxBuffered) heldAcks.shift()?.()
  }

  return {
    add(p) {
      buffer.push(p)
      bufferedReadings += readingsOf(p)
      waitingReadings += readingsOf(p)
      if (waitingReadings >= flushReadings) void flush()
      else flushTimer ??= setTimeout(() => void flush(), flushIntervalMs)
    },
    acknowledge(ack) {
      if (bufferedReadings >= maxBuffered) heldAcks.push(ack)
      else ack()
    },
    async drain() {
      while (buffer.length > 0 || running.size > 0) await flush()
    },
    unanswered() {
      const left = [...storing, ...givenUp, buffer]
      return { batches: left.reduce((n, ps) => n + ps.length, 0), readings: left.reduce((n, ps) => n + bufferedCount(ps), 0) }
    },
    stop() {
      if (flushTimer) clearTimeout(flushTimer)
    },
  }
}
