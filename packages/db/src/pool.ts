import pg from 'pg'

export type Pool = pg.Pool
export type Queryable = Pick<pg.Pool, 'query'>

export interface PoolOptions {
  /** Connections; the embedded database runs one statement at a time anyway. */
  max?: number
  applicationName?: string
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    application_name: options.applicationName ?? 'varde',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  })
  // An idle client's error (database restarted) must not crash the process;
  // the next query reconnects and reports its own error.
  pool.on('error', () => {})
  return pool
}
