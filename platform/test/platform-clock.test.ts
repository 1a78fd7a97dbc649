import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPlatformConfig } from '@varde/config'
import { createPool, platformNow } from '@varde/db'
import { clockCommand, SimGateway } from '@varde/device-sim'
import { once } from 'node:events'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
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
  it('moves with varde-sim clock: two weeks on, then back to the wall clock', async () => {
    const platform = await startPlatform(loadPlatformConfig(env({ VARDE_MODE: 'demo' })), logger)
    const printed: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')))
    const sim = (...args: string[]) => clockCommand([...args, '--http', platform.httpUrl], { mqttUrl: platform.mqttUrl, httpUrl: platform.httpUrl, user: 'sykepleier', password: 'demo' })
    try {
      expect(await sim('--advance', '2w')).toBe(0)
      expect(Math.abs(await skewOf(platform) - 14 * DAY)).toBeLessThan(10_000)
      expect(printed.at(-1)).toMatch(/^platform time \S+ \(wall clock \+14d 0h 0m, speed 1\)$/)
      expect(await sim()).toBe(0) // shown to the nurse
      expect(printed.at(-1)).toMatch(/wall clock \+14d 0h 0m/)
      await expect(sim('--advance', '1d', '--user', 'sykepleier')).rejects.toThrow(/403: forbidden/)
      expect(await sim('--reset')).toBe(0)
      expect(printed.at(-1)).toMatch(/\(the wall clock\)$/)
      expect(Math.abs(await skewOf(platform))).toBeLessThan(10_000)
    } finally {
      log.mockRestore()
      await platform.stop()
    }
  })

  it('starts a demo 14 days ahead with VARDE_CLOCK_OFFSET=14d, shown to a logged-in user, and production back on the wall clock', async () => {
    let platform = await startPlatform(loadPlatformConfig(env({ VARDE_MODE: 'demo', VARDE_CLOCK_OFFSET: '14d' })), logger)
    try {
      expect(Math.abs(await skewOf(platform) - 14 * DAY)).toBeLessThan(10_000)
      const login = await fetch(`${platform.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }) })
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
      const clock = (await (await fetch(`${platform.httpUrl}/api/clock`, { headers: { cookie } })).json()) as { offsetMs: number; isWallClock: boolean }
      expect(clock.isWallClock).toBe(false)
      expect(Math.abs(clock.offsetMs - 14 * DAY)).toBeLessThan(10_000)

      // a gateway on the wall clock is told the platform's time (sync-clock) and follows it; its reading is stamped by it
      const home = platform.demoHomes[0]!
      const gw = new SimGateway({ gatewayId: home.gatewayId, secret: home.secret, mqttUrl: platform.mqttUrl })
      await gw.start()
      try {
        const synced = once(gw, 'clock-synced')
        const [receipt] = await Promise.all([gw.sendBatch([{
          id: 'clock-1', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 82.4, unit: 'kg', measuredAt: new Date(Date.now() - 60_000).toISOString(),
        }]), synced])
        expect(receipt).toMatchObject({ accepted: ['clock-1'] })
        expect(Math.abs(gw.clockOffsetMs - 14 * DAY)).toBeLessThan(10_000)
        const pool = createPool(platform.databaseUrl, { max: 1 })
        try {
          const { rows } = await pool.query<{ measured_at: Date }>(`SELECT measured_at FROM measurements WHERE measurement_id = 'clock-1'`)
          expect(Math.abs(rows[0]!.measured_at.getTime() - (Date.now() + 14 * DAY - 60_000))).toBeLessThan(10_000)
        } finally {
          await pool.end()
        }
      } finally {
        await gw.stop()
      }
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
