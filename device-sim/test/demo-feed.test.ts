import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoFeed, type DemoHomeConfig } from '../src/index.js'
import { FakePlatform } from './support/fake-platform.js'
import { JudgingPlatform } from './support/judging-platform.js'
import { Mosquitto } from './support/mosquitto.js'

let broker: Mosquitto
let platform: JudgingPlatform
let observer: FakePlatform

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await JudgingPlatform.start(broker.url)
  observer = await FakePlatform.connect(broker.url)
})
afterAll(async () => {
  await observer?.close()
  await platform?.close()
  await broker?.stop()
})

const homes: DemoHomeConfig[] = [
  { gatewayId: 'feed-gw-001', secret: 'feed-gw-001-secret', profiles: ['copd'], seed: 1 },
  { gatewayId: 'feed-gw-002', secret: 'feed-gw-002-secret', profiles: ['heart-failure', 'hypertension'], seed: 2 },
  { gatewayId: 'feed-gw-003', secret: 'feed-gw-003-secret', profiles: ['diabetes'], seed: 3 },
]

describe('startDemoFeed', () => {
  it('sends history once, idempotently across restarts, then live readings from every home', async () => {
    const first = await startDemoFeed({ mqttUrl: broker.url, homes, intervalMs: 60_000, backfillDays: 3 })
    expect(first.gatewayIds).toEqual(homes.map((h) => h.gatewayId))
    const history = await first.backfilled
    expect(history).toMatchObject({ homes: 3, duplicate: 0, rejected: 0, failedHomes: [] })
    expect(history.batches).toBeGreaterThanOrEqual(9)
    expect(history.accepted).toBeGreaterThan(history.batches)
    await first.stop()

    // A restart sends the same history under the same batch ids: nothing new is stored.
    const stored = platform.readings.length
    const second = await startDemoFeed({ mqttUrl: broker.url, homes, intervalMs: 300, backfillDays: 3 })
    const again = await second.backfilled
    expect(again).toMatchObject({ batches: history.batches, accepted: 0, duplicate: history.accepted, rejected: 0 })
    expect(platform.readings.length).toBeGreaterThanOrEqual(stored)

    // Live: every home measures within one interval, stamped now.
    const live = await Promise.all(
      homes.map((h) => observer.next((m) => m.gatewayId === h.gatewayId && m.topic.endsWith('/measurements') && !String((m.json as { batchId?: string }).batchId).includes('history'))),
    )
    for (const message of live) {
      const batch = message.json as { measurements: { measuredAt: string }[] }
      for (const m of batch.measurements) expect(Math.abs(Date.now() - Date.parse(m.measuredAt))).toBeLessThan(60_000)
    }
    expect(second.stats()).toMatchObject({ homes: 3, connected: 3 })
    const offline = Promise.all(homes.map((h) => observer.nextStatus(h.gatewayId, 'offline')))
    await second.stop()
    await offline
  })

  it('leaves out a home whose gateway is refused, and fails when none can connect', async () => {
    await expect(startDemoFeed({ mqttUrl: 'mqtt://127.0.0.1:1', homes: homes.slice(0, 1), intervalMs: 1000 })).rejects.toThrow(/no demo gateway could connect/)
  })
})
