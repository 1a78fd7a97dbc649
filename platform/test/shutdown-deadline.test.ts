import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatformProcess, type PlatformProcess } from './platform-process.js'

// Issue 14: defect 1 seen from the running platform (a socket closed at the
// database's password prompt turned /healthz 503 for good, and SIGTERM no
// longer stopped the process), and defect 3: SIGTERM stops the platform
// within its deadline (10 s) whatever the database is doing, and the log
// names what was left unfinished.
const SHUTDOWN_BOUND_MS = 10_000
let dataDir: string
let platform: PlatformProcess

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-shutdown-test-'))
  platform = await startPlatformProcess({
    VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
    VARDE_SERVICE_SECRET: 'shutdown-test-secret-0123456789abcdef', VARDE_LOG_LEVEL: 'info',
  })
})
afterAll(async () => {
  if (platform.child.exitCode === null && platform.child.signalCode === null) platform.child.kill('SIGKILL')
  await platform.exited
  await rm(dataDir, { recursive: true, force: true })
})

const healthz = async () => {
  const res = await fetch(`${platform.httpUrl}/healthz`)
  return { status: res.status, body: (await res.json()) as { failing: string[] } }
}

/** /healthz until it is 200 or the deadline passes (ingest reports itself up a moment after the banner). */
async function healthyWithin(ms: number): Promise<{ status: number; body: { failing: string[] } }> {
  const until = Date.now() + ms
  for (;;) {
    const health = await healthz()
    if (health.status === 200 || Date.now() > until) return health
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe('the running platform', () => {
  it('stays healthy after sockets close at the embedded database\'s password prompt (psql, Ctrl-C)', async () => {
    const { port } = new URL(platform.databaseUrl)
    for (let i = 0; i < 3; i++) {
      const socket = connect(Number(port), '127.0.0.1')
      socket.on('error', () => {})
      const params = Buffer.from('user\0postgres\0database\0postgres\0\0')
      const startup = Buffer.alloc(8 + params.length)
      startup.writeInt32BE(startup.length, 0)
      startup.writeInt32BE(196608, 4)
      params.copy(startup, 8)
      socket.write(startup)
      const reply = await new Promise<Buffer>((resolve) => socket.once('data', resolve))
      expect(String.fromCharCode(reply[0] as number)).toBe('R') // asked for the password
      socket.destroy()
    }
    expect(await healthyWithin(10_000)).toMatchObject({ status: 200 })
  })

  it('stops within its deadline on SIGTERM while a client holds the database, naming what was left unfinished', async () => {
    // a client holding the one session in a transaction: every statement of the platform now waits for it
    const holder = new pg.Client({ connectionString: platform.databaseUrl })
    holder.on('error', () => {})
    await holder.connect()
    await holder.query('BEGIN')
    // /healthz's database check gives up after 2 s, its query still queued: the platform is now waiting on the database
    const held = await healthz()
    expect(held).toMatchObject({ status: 503, body: { failing: ['database'] } })

    const since = Date.now()
    platform.child.kill('SIGTERM')
    const { code } = await platform.exited
    const took = Date.now() - since
    expect(took).toBeLessThan(SHUTDOWN_BOUND_MS + 2_000)
    expect(code).toBe(1)
    const deadline = platform.logLines().find((l) => l.event === 'shutdown-deadline') as { unfinished: { parts: string[]; database: { owner: number | null } } } | undefined
    expect(deadline?.unfinished.parts).toContain('database')
    expect(deadline?.unfinished.database.owner).not.toBeNull()
    await holder.end().catch(() => {})
  }, 30_000)
})
