import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A throwaway PostgreSQL server of the operating system's packages (Debian's
 * `postgresql`, plain: no TimescaleDB) in a temporary directory, on a free
 * loopback port, for the real-server test suites (docs/decisions/0008).
 * Not for production: trust authentication, fsync off.
 */
export interface PostgresServer {
  /** Superuser URL of the `postgres` database. */
  url: string
  dir: string
  stop(): Promise<void>
}

export type PostgresServerFailure = 'postgres-not-installed' | 'postgres-start-failed'

export class PostgresServerError extends Error {
  constructor(
    readonly code: PostgresServerFailure,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`)
    this.name = 'PostgresServerError'
  }
}

export const POSTGRES_MISSING_HINT =
  "PostgreSQL is not installed, and the real-server suites (vitest project 'node-postgres') need it: " +
  'apt-get install postgresql (Debian/Ubuntu), or set VARDE_TEST_PG_BIN to the directory holding initdb and pg_ctl. ' +
  "To run only the embedded-database suites meanwhile: pnpm exec vitest run --project node --project web"

/** initdb and pg_ctl: $VARDE_TEST_PG_BIN, else Debian's newest /usr/lib/postgresql/<version>/bin (not /usr/local/bin wrappers). */
export function findPostgresBinDir(env: Record<string, string | undefined> = process.env, debian = '/usr/lib/postgresql'): string {
  const candidates: string[] = []
  if (env.VARDE_TEST_PG_BIN) candidates.push(env.VARDE_TEST_PG_BIN)
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => join(debian, v, 'bin')))
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
  if (!found) throw new PostgresServerError('postgres-not-installed', POSTGRES_MISSING_HINT)
  return found
}

/**
 * Starts the server. Postgres refuses to run as root, and CI runs as root: then
 * the cluster belongs to the `postgres` OS user the Debian package creates.
 */
export async function startPostgresServer(options: { binDir?: string; isDurable?: boolean } = {}): Promise<PostgresServer> {
  const binDir = options.binDir ?? findPostgresBinDir()
  const dir = await mkdtemp(join(tmpdir(), 'varde-pg-'))
  const asUser = process.getuid?.() === 0 ? await postgresOsUser() : undefined
  if (asUser) await chown(dir, asUser.uid, asUser.gid)
  // cwd: the postgres user may not enter the checkout (a clone in /root)
  const exec = (tool: string, args: string[]) =>
    asUser ? run('runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args], { cwd: dir }) : run(join(binDir, tool), args, { cwd: dir })
  const data = join(dir, 'data')
  const port = await freePort()
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'])
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      // a test server: durability is not what is tested, speed is welcome; a benchmark asks for a
      // durable one (isDurable), as production runs, so its figures carry the cost of each commit's flush
      ...(options.isDurable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=300',
    ].join(' ')
    await exec('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start'])
  } catch (err) {
    const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '')
    await rm(dir, { recursive: true, force: true })
    throw new PostgresServerError('postgres-start-failed', `${(err as Error).message}\n${log.slice(-2000)}`)
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function postgresOsUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])])
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  } catch {
    throw new PostgresServerError('postgres-not-installed', `running as root, but there is no 'postgres' OS user to own the cluster. ${POSTGRES_MISSING_HINT}`)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
