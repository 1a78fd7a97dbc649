import { createBroker, type VardeBroker } from '@varde/broker'
import { platformNow, seedDemo, setPlatformClock } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

// device-protocol.md "Delivery, second key" against "## Time" (session 11):
// the second key compared the measuredAt AFTER the clock fix. A gateway whose
// clock is minutes behind and that sends one reading per batch with
// sentAt = measuredAt has each reading moved to its receive instant, so
// distinct readings of one value received in the same millisecond were taken
// for one (three SpO2 80 % counted as 2 of 3: data lost), and a reading re-sent
// after a reboot with a synced clock (another offset) was stored twice. The
// key compares the time the gateway gave (migration 0039, ADR 0040).
//
// The platform clock is set to run a millionth of real time, so every batch of
// this file is received at the same platform instant: what two batches that
// arrive in one millisecond get in production, here for every batch, so the
// scenarios do not hang on how fast the machine is.
const logger = pino({ level: 'silent' })
const serviceSecret = 'second-key-clock-secret-0123456789abcdef'
const GATEWAY = 'demo-gw-003'
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let gw: MqttClient
let now: number
const receipts: Record<string, unknown>[] = []

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  await setPlatformClock(db.pool, { tenantId: null, userId: null, name: 'second-key-clock test' }, { kind: 'offset', offsetMs: 0, speed: 1e-6 })
  now = (await platformNow(db.pool)).getTime()
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  const mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-second-key-clock' })
  await ingest.ready
  gw = await mqtt.connectAsync(mqttUrl, { clientId: GATEWAY, username: GATEWAY, password: `${GATEWAY}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  gw.on('message', (topic, payload) => { if (topic.endsWith('/receipts')) receipts.push(JSON.parse(payload.toString()) as Record<string, unknown>) })
  await gw.subscribeAsync(`varde/v1/gateways/${GATEWAY}/receipts`, { qos: 1 })
})
afterAll(async () => {
  await gw?.endAsync()
  await ingest?.stop()
  await broker?.close()
  await db?.stop()
})

const MINUTE = 60_000
const iso = (ms: number) => new Date(ms).toISOString()

interface Batch { batchId: string; sentAt: number; measurements: Record<string, unknown>[] }

/** Publishes the batches back to back (as a gateway empties its outbox) and waits for a receipt of each. */
async function send(batches: Batch[]): Promise<Record<string, Record<string, unknown>>> {
  await Promise.all(batches.map((b) => gw.publishAsync(`varde/v1/gateways/${GATEWAY}/measurements`,
    JSON.stringify({ batchId: b.batchId, sentAt: iso(b.sentAt), measurements: b.measurements }), { qos: 1 })))
  const ids = new Set(batches.map((b) => b.batchId))
  const deadline = Date.now() + 10_000
  while (receipts.filter((r) => ids.has(r['batchId'] as string)).length < ids.size) {
    if (Date.now() > deadline) throw new Error(`no receipts for ${[...ids].join(', ')} within 10 s`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return Object.fromEntries(receipts.filter((r) => ids.has(r['batchId'] as string)).map((r) => [r['batchId'] as string, r]))
}

const stored = async (deviceId: string) =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM measurements WHERE device_id = $1', [deviceId])).rows[0]?.n

const spo2 = (id: string, deviceId: string, measuredAt?: number) =>
  ({ id, deviceId, type: 'spo2', value: 80, unit: '%', ...(measuredAt === undefined ? {} : { measuredAt: iso(measuredAt) }) })

describe('the second key compares the gateway\'s own measuredAt, not the clock-fixed one', () => {
  it('stores every one of distinct readings of one value sent one per batch with sentAt = measuredAt by a gateway 5 min behind', async () => {
    const device = 'AA:00:00:00:00:01'
    const first = now - 5 * MINUTE - 10_000
    // measured a second apart by the gateway's clock; the clock fix moves each to its receive instant
    const batches = [0, 1, 2].map((i) => ({ batchId: `skew-${i}`, sentAt: first + i * 1000, measurements: [spo2('m1', device, first + i * 1000)] }))
    const answered = await send(batches)
    for (const b of batches) expect(answered[b.batchId]).toEqual({ batchId: b.batchId, accepted: ['m1'], duplicate: [], rejected: [] })
    expect(await stored(device)).toBe(3)
    // each kept the gateway's time beside the corrected one
    const { rows } = await db.pool.query<{ g: Date; flags: string[] }>(
      'SELECT gateway_measured_at AS g, flags FROM measurements WHERE device_id = $1 ORDER BY gateway_measured_at', [device])
    expect(rows.map((x) => x.g.getTime())).toEqual([first, first + 1000, first + 2000])
    expect(rows.every((x) => x.flags.includes('clock-adjusted'))).toBe(true)
  })

  it.each([
    { scenario: 'with the same clock offset (still 5 min behind)', device: 'AA:00:00:00:00:02', firstBehind: 5 * MINUTE, againBehind: 5 * MINUTE },
    { scenario: 'after a reboot that synced the clock (another offset)', device: 'AA:00:00:00:00:03', firstBehind: 5 * MINUTE, againBehind: 0 },
    { scenario: 'after a reboot that put the clock behind', device: 'AA:00:00:00:00:04', firstBehind: 0, againBehind: 7 * MINUTE },
  ])('answers a reading re-sent under a new batch id $scenario duplicate, and stores it once', async ({ device, firstBehind, againBehind }) => {
    // measured 10 min ago by the gateway's clock at the time; kept in its outbox with that time
    const measuredAt = now - 10 * MINUTE - firstBehind
    const id = device.slice(-2)
    const sent = await send([{ batchId: `first-${id}`, sentAt: now - firstBehind, measurements: [spo2('m1', device, measuredAt)] }])
    expect(sent[`first-${id}`]).toMatchObject({ accepted: ['m1'], duplicate: [] })
    const again = await send([{ batchId: `again-${id}`, sentAt: now - againBehind, measurements: [spo2('x1', device, measuredAt)] }])
    expect(again[`again-${id}`]).toEqual({ batchId: `again-${id}`, accepted: [], duplicate: ['x1'], rejected: [] })
    expect(await stored(device)).toBe(1)
  })

  it('never takes readings without a measuredAt for one another (their time is the receive time)', async () => {
    const device = 'AA:00:00:00:00:05'
    // received at the same platform instant, one value, from a skewed gateway: two measurements all the same
    const batches = [0, 1].map((i) => ({ batchId: `no-time-${i}`, sentAt: now - 5 * MINUTE, measurements: [spo2('m1', device)] }))
    const answered = await send(batches)
    for (const b of batches) expect(answered[b.batchId]).toMatchObject({ accepted: ['m1'], duplicate: [] })
    expect(await stored(device)).toBe(2)
    const { rows } = await db.pool.query<{ g: Date | null }>('SELECT gateway_measured_at AS g FROM measurements WHERE device_id = $1', [device])
    expect(rows.map((x) => x.g)).toEqual([null, null])
  })
})
