import { createBroker, type VardeBroker } from '@varde/broker'
import { countMeasurements, listRejections, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import mqtt, { type MqttClient } from 'mqtt'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIngest, type IngestService } from '../src/index.js'

// Issue 14, defect 2: a batch with what the database cannot hold (a NUL in a
// string) got no receipt; ingest retried its flush every 5 s for ever, and the
// flush's other batches waited with it. Every batch is answered, the bad one
// with a coded rejection and its raw kept, its neighbours stored.
const logger = pino({ level: 'silent' })
const serviceSecret = 'poison-test-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let ingest: IngestService
let mqttUrl: string

beforeAll(async () => {
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  // batches that arrive within a second of each other share a flush: the bad one and its neighbour
  ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-poison', flushIntervalMs: 1000 })
  await ingest.ready
})
afterAll(async () => {
  await ingest?.stop()
  await broker?.close()
  await db?.stop()
})

interface Gateway {
  client: MqttClient
  send(payload: string | Buffer): Promise<void>
  /** The next receipt, or a failure after 10 s: a batch without one is the defect. */
  receipt(): Promise<Record<string, unknown>>
  close(): Promise<void>
}

async function connectGateway(id: string): Promise<Gateway> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: `${id}-secret`, clean: false, protocolVersion: 4, reconnectPeriod: 0 })
  await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
  const queue: Record<string, unknown>[] = []
  let wake = () => {}
  client.on('message', (_topic, payload) => {
    queue.push(JSON.parse(payload.toString()) as Record<string, unknown>)
    wake()
  })
  return {
    client,
    send: async (payload) => { await client.publishAsync(`varde/v1/gateways/${id}/measurements`, payload, { qos: 1 }) },
    receipt: () => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no receipt for ${id} within 10 s`)), 10_000)
      const take = () => {
        const next = queue.shift()
        if (!next) return
        clearTimeout(timer)
        wake = () => {}
        resolve(next)
      }
      wake = take
      take()
    }),
    close: () => client.endAsync(),
  }
}

let seq = 0
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString()
/** A plausible weight, each at its own time (alike readings would be one by the second key). */
const weight = (extra: Record<string, unknown> = {}) => ({
  id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 80 + (seq % 100) / 10, unit: 'kg', measuredAt: minutesAgo(++seq), ...extra,
})
const batch = (batchId: string, measurements: unknown[]) => JSON.stringify({ batchId, sentAt: new Date().toISOString(), measurements })

describe('a string the database cannot hold', () => {
  it('is rejected with invalid-field; its neighbour in the same flush is stored; the next batch is receipted', async () => {
    const gw = await connectGateway('demo-gw-001')
    const flushes = ingest.stats().flushes
    const poisoned = batch('nul-device', [weight({ id: 'm1', deviceId: 'AA:BB\u0000' }), weight({ id: 'm2' })])
    await Promise.all([gw.send(poisoned), gw.send(batch('clean-1', [weight()]))])
    const receipts = [await gw.receipt(), await gw.receipt()]
    expect(receipts).toEqual(expect.arrayContaining([
      { batchId: 'nul-device', accepted: ['m2'], duplicate: [], rejected: [{ id: 'm1', code: 'invalid-field', detail: expect.stringContaining('NUL') }] },
      { batchId: 'clean-1', accepted: ['m1'], duplicate: [], rejected: [] },
    ]))
    expect(ingest.stats().flushes).toBe(flushes + 1) // one flush held both
    const [rejection] = await listRejections(db.pool, { gatewayId: 'demo-gw-001', limit: 1 })
    expect(rejection).toMatchObject({ batchId: 'nul-device', measurementId: 'm1', code: 'invalid-field', rawEncoding: 'text' })
    expect(JSON.parse(rejection!.raw)).toMatchObject({ deviceId: 'AA:BB\u0000' })
    await gw.send(batch('clean-2', [weight()]))
    expect(await gw.receipt()).toEqual({ batchId: 'clean-2', accepted: ['m1'], duplicate: [], rejected: [] })
    expect(await countMeasurements(db.pool, { gatewayId: 'demo-gw-001' })).toBe(3)
    await gw.close()
  })

  it.each([
    ['a NUL in an id', { id: 'm\u0000' }, 'm\u0000'],
    ['a lone surrogate in an id', { id: 'm\ud800' }, 'm\ud800'],
    ['a NUL in a unit', { unit: 'kg\u0000' }, 'm1'],
    ['a deviceId of 3,000 characters', { deviceId: 'A'.repeat(3000) }, 'm1'],
  ])('answers %s with invalid-field, the id as sent', async (_name, extra, id) => {
    const gw = await connectGateway('demo-gw-002')
    const batchId = `bad-${++seq}`
    await gw.send(batch(batchId, [weight(extra)]))
    expect(await gw.receipt()).toEqual({ batchId, accepted: [], duplicate: [], rejected: [{ id, code: 'invalid-field', detail: expect.any(String) }] })
    await gw.send(batch(`${batchId}-next`, [weight()]))
    expect(await gw.receipt()).toMatchObject({ batchId: `${batchId}-next`, accepted: ['m1'] })
    await gw.close()
  })

  it('in the batch id is malformed-batch, the raw payload kept; a NUL byte in the payload too, kept as base64', async () => {
    const gw = await connectGateway('demo-gw-003')
    const nulBatchId = batch('G-\u0000', [weight()])
    await gw.send(nulBatchId)
    expect(await gw.receipt()).toEqual({ batchId: null, error: { code: 'malformed-batch', detail: expect.stringContaining('batchId') } })
    const nulByte = Buffer.from(`{"batchId":"b\u0000","sentAt":"${new Date().toISOString()}","measurements":[]}`)
    await gw.send(nulByte)
    expect(await gw.receipt()).toMatchObject({ batchId: null, error: { code: 'malformed-batch' } })
    const [byte, escape] = await listRejections(db.pool, { gatewayId: 'demo-gw-003', limit: 2 })
    expect(escape).toMatchObject({ code: 'malformed-batch', raw: nulBatchId, rawEncoding: 'text' })
    expect(byte).toMatchObject({ code: 'malformed-batch', raw: nulByte.toString('base64'), rawEncoding: 'base64' })
    await gw.send(batch('after-nul', [weight()]))
    expect(await gw.receipt()).toMatchObject({ batchId: 'after-nul', accepted: ['m1'] })
    await gw.close()
  })

  it('stores a battery of 87.5 % as 88 (a whole percent in the database)', async () => {
    const gw = await connectGateway('demo-gw-004')
    await gw.send(batch('half-percent', [weight({ battery: 87.5 })]))
    expect(await gw.receipt()).toMatchObject({ batchId: 'half-percent', accepted: ['m1'] })
    const { rows } = await db.pool.query<{ battery: number }>(`SELECT battery FROM devices WHERE gateway_id = 'demo-gw-004'`)
    expect(rows).toEqual([{ battery: 88 }])
    await gw.close()
  })
})

// A gateway status is handled one message at a time like batches: one that failed its update was
// retried for ever, and every batch behind it waited.
describe('a gateway status the database cannot hold', () => {
  it('is ignored (a NUL in firmware) or kept as it can be (a battery of 87.5 %), and batches behind it are receipted', async () => {
    const gw = await connectGateway('demo-gw-007')
    const status = (payload: string) => gw.client.publishAsync('varde/v1/gateways/demo-gw-007/status', payload, { qos: 1, retain: true })
    await status('{"state":"online","firmware":"1.0\\u0000"}')
    await status('{"state":"online","firmware":"1.0.1","battery":87.5}')
    await gw.send(batch('after-status', [weight()]))
    expect(await gw.receipt()).toMatchObject({ batchId: 'after-status', accepted: ['m1'] })
    await expect.poll(async () => (await db.pool.query(`SELECT firmware, battery FROM gateways WHERE id = 'demo-gw-007'`)).rows, { timeout: 10_000 })
      .toEqual([{ firmware: '1.0.1', battery: 88 }])
    await gw.close()
  })
})

// What the edge does not catch: a batch the database refuses for its content (here a CHECK added for the
// test) is retried alone, then rejected whole with malformed-batch and kept; its neighbours are stored.
describe('a batch the database refuses', () => {
  it('is rejected whole after the flush is retried batch by batch, and never blocks its neighbours', async () => {
    // as the schema's owner: on the real server the platform's role may not change the schema
    const owner = new pg.Client({ connectionString: db.ownerUrl })
    await owner.connect()
    await owner.query(`ALTER TABLE devices ADD CONSTRAINT poison_test CHECK (device_id <> 'refused-device') NOT VALID`)
    try {
      const gw = await connectGateway('demo-gw-005')
      const refused = batch('refused', [weight({ id: 'a', deviceId: 'refused-device' }), weight({ id: 'b' }), weight({ id: 'c', value: 999 })])
      await Promise.all([gw.send(refused), gw.send(batch('beside', [weight()]))])
      const receipts = [await gw.receipt(), await gw.receipt()]
      const detail = expect.stringContaining('could not be stored (database error 23514)')
      expect(receipts).toEqual(expect.arrayContaining([
        {
          batchId: 'refused', accepted: [], duplicate: [],
          rejected: [{ id: 'c', code: 'out-of-range', detail: expect.any(String) }, { id: 'a', code: 'malformed-batch', detail }, { id: 'b', code: 'malformed-batch', detail }],
        },
        { batchId: 'beside', accepted: ['m1'], duplicate: [], rejected: [] },
      ]))
      const [rejection] = await listRejections(db.pool, { gatewayId: 'demo-gw-005', limit: 1 })
      expect(rejection).toMatchObject({ batchId: 'refused', measurementId: null, code: 'malformed-batch', raw: refused, rawEncoding: 'text' })
      expect(await countMeasurements(db.pool, { gatewayId: 'demo-gw-005' })).toBe(1)
      await gw.send(batch('after-refused', [weight()]))
      expect(await gw.receipt()).toMatchObject({ batchId: 'after-refused', accepted: ['m1'] })
      expect(ingest.stats().unstorable).toBe(1)
      await gw.close()
    } finally {
      await owner.query('ALTER TABLE devices DROP CONSTRAINT poison_test')
      await owner.end()
    }
  })
})

// device-protocol.md "Delivery, second key" (issue 14, defect 6)
describe('a reading re-sent under a new batch id', () => {
  it('is answered duplicate and stored once', async () => {
    const gw = await connectGateway('demo-gw-006')
    const reading = weight({ id: 'w1' })
    await gw.send(batch('outbox-1', [reading]))
    expect(await gw.receipt()).toEqual({ batchId: 'outbox-1', accepted: ['w1'], duplicate: [], rejected: [] })
    // the gateway lost its outbox ids in a reboot: the same reading, other ids, beside a new one
    await gw.send(batch('after-reboot-1', [{ ...reading, id: 'x1' }, weight({ id: 'x2' })]))
    expect(await gw.receipt()).toEqual({ batchId: 'after-reboot-1', accepted: ['x2'], duplicate: ['x1'], rejected: [] })
    expect(await countMeasurements(db.pool, { gatewayId: 'demo-gw-006' })).toBe(2)
    await gw.close()
  })
})
