import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPlatformConfig } from '@varde/config'
import { createPool, platformNow } from '@varde/db'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatform, type RunningPlatform } from '../src/index.js'

// The platform clock from configuration (docs/decisions/0014): a demo started
// with VARDE_CLOCK_OFFSET runs that far ahead in every part; the same data
// started in production mode is back on the wall clock.
const logger = pino({ level: 'silent' })
const DAY = 86_400_000
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-clock-test-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

const env = (extra: Record<string, string>) => ({
  VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
  VARDE_SERVICE_SECRET: 'platform-clock-secret-0123456789abcdef', VARDE_PARTS: 'broker,ingest,server', ...extra,
})
async function skewOf(platform: RunningPlatform): Promise<number> {
  const pool = createPool(platform.databaseUrl, { max: 1 })
  try {
    return (await platformNow(pool)).getTime() - Date.now()
  } finally {
    await pool.end()
  }
}

describe('the platform clock from configuration', () => {
  it('starts a demo 14 days ahead with VARDE_CLOCK_OFFSET=14d, shown to a logged-in user, and production back on the wall clock', async () => {
    let platform = await startPlatform(loadPlatformConfig(env({ VARDE_MODE: 'demo', VARDE_CLOCK_OFFSET: '14d' })), logger)
    try {
      expect(Math.abs(await skewOf(platform) - 14 * DAY)).toBeLessThan(10_000)
      const login = await fetch(`${platform.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }) })
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
      const clock = (await (await fetch(`${platform.httpUrl}/api/clock`, { headers: { cookie } })).json()) as { offsetMs: number; isWallClock: boolean }
      expect(clock.isWallClock).toBe(false)
      expect(Math.abs(clock.offsetMs - 14 * DAY)).toBeLessThan(10_000)
    } finally {
      await platform.stop()
    }
    platform = await startPlatform(loadPlatformConfig(env({ VARDE_MODE: 'production', VARDE_ALLOW_EMBEDDED_DB: '1', VARDE_ALLOW_NO_TIMESCALEDB: 'true' })), logger)
    try {
      expect(Math.abs(await skewOf(platform))).toBeLessThan(10_000)
    } finally {
      await platform.stop()
    }
  })
})
