import type { Reading, ReadingFlag } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessiblePatientIds, countMeasurements, DEMO_PATIENTS, findGatewayContext, keyOf, listMeasurements,
  listPatientsForUser, listRejections, seedDemo, storeBatches, type DemoHome,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

let db: TestDatabase
let homes: DemoHome[]

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
})
afterAll(async () => db?.stop())

const reading = (measurementId: string, value: number, measuredAt = new Date('2026-11-22T07:31:00Z')): Reading => ({
  measurementId, deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value, unit: 'kg', originalValue: null,
  originalUnit: null, measuredAt, flags: [], battery: 80, source: 'decoded',
})

describe('demo seed', () => {
  it('creates the contract demo data and is idempotent', async () => {
    const again = await seedDemo(db.pool)
    expect(again).toEqual(homes)
    expect(homes.length).toBeGreaterThanOrEqual(12)
    expect(homes[0]?.gatewayId).toBe('demo-gw-001')
    const ctx = await findGatewayContext(db.pool, 'demo-gw-001')
    expect(ctx).toMatchObject({ tenantId: 'demo', patientId: homes[0]?.patientId, isRevoked: false })
  })

  it('gives the nurse every demo patient and the hospital clinician only those shared, minus objections', async () => {
    const users = (await db.pool.query<{ username: string; id: string }>('SELECT username, id FROM users')).rows
    const id = (u: string) => users.find((x) => x.username === u)?.id ?? ''
    expect((await accessiblePatientIds(db.pool, 'demo', id('sykepleier'))).size).toBe(DEMO_PATIENTS.length)
    const shared = DEMO_PATIENTS.filter((p) => p.isSharedWithHospital && !p.objectsToSharing).length
    expect((await accessiblePatientIds(db.pool, 'demo', id('lege'))).size).toBe(shared)
    expect((await accessiblePatientIds(db.pool, 'demo', id('admin'))).size).toBe(0)
    expect(await listPatientsForUser(db.pool, 'other-tenant', id('sykepleier'))).toEqual([])
  })
})

describe('storeBatches', () => {
  it('stores readings once: a re-delivered batch returns no new keys and stores nothing twice', async () => {
    const home = homes[1]!
    const batch = {
      gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: 'b-1', receivedAt: new Date(),
      readings: [reading('m1', 82.4), reading('m2', 82.6, new Date('2026-11-22T08:00:00Z'))],
      rejections: [{ id: 'm3', code: 'out-of-range' as const, detail: 'body-weight 982.4 kg outside 2–400', raw: { id: 'm3', value: 982.4 } }],
    }
    const first = await storeBatches(db.pool, [batch])
    expect(first.readingIds[0]).toHaveLength(2)
    expect(first.newKeys).toEqual(new Set([keyOf(home.gatewayId, 'b-1', 'm1'), keyOf(home.gatewayId, 'b-1', 'm2')]))
    const second = await storeBatches(db.pool, [{ ...batch, receivedAt: new Date() }])
    expect(second.newKeys.size).toBe(0)
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(2)
    const rejections = await listRejections(db.pool, { gatewayId: home.gatewayId, limit: 10 })
    expect(rejections[0]).toMatchObject({ code: 'out-of-range', measurementId: 'm3', raw: '{"id":"m3","value":982.4}' })
  })

  it('stores a batch given twice in one call once, with all readings of a measurement that has several', async () => {
    const home = homes[4]!
    const at = new Date('2026-11-22T09:00:00Z')
    // one blood-pressure value: three readings under one measurement id
    const bp = (type: string, value: number): Reading => ({ ...reading('bp-1', value, at), type, unit: 'mm[Hg]' })
    const copy = (receivedAt: Date) => ({
      gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: 'twice', receivedAt,
      readings: [bp('blood-pressure-systolic', 142), bp('blood-pressure-diastolic', 91), bp('pulse', 77), reading('w-1', 80.1, at)],
      rejections: [],
    })
    // a gateway re-sent the batch and both copies landed in one flush; the second had its clock corrected differently
    const result = await storeBatches(db.pool, [copy(new Date()), { ...copy(new Date()), readings: copy(new Date()).readings.map((r) => ({ ...r, measuredAt: new Date(at.getTime() + 250) })) }])
    expect(result.newKeys).toEqual(new Set([keyOf(home.gatewayId, 'twice', 'bp-1'), keyOf(home.gatewayId, 'twice', 'w-1')]))
    expect(result.readingIds[0]!.every((id) => id.length === 36)).toBe(true)
    expect(result.readingIds[1]).toEqual(['', '', '', ''])
    const stored = await db.pool.query<{ type: string; measured_at: Date }>('SELECT type, measured_at FROM measurements WHERE gateway_id = $1 ORDER BY type', [home.gatewayId])
    expect(stored.rows).toEqual(['blood-pressure-diastolic', 'blood-pressure-systolic', 'body-weight', 'pulse'].map((type) => ({ type, measured_at: at })))
  })

  it('stores several batches of several gateways in one call, and pages readings by keyset', async () => {
    const [a, b] = [homes[2]!, homes[3]!]
    const base = Date.parse('2026-11-20T00:00:00Z')
    // batches of one patient at different times: alike readings would be one (the second key, below)
    const mk = (h: DemoHome, batchId: string, n: number, from = base) => ({
      gatewayId: h.gatewayId, tenantId: 'demo', patientId: h.patientId, batchId, receivedAt: new Date(),
      readings: Array.from({ length: n }, (_, i) => reading(`m${i}`, 70 + i / 10, new Date(from + i * 60_000))),
      rejections: [],
    })
    const keys = await storeBatches(db.pool, [mk(a, 'x', 250), mk(b, 'y', 250), mk(a, 'z', 10, base - 86_400_000)])
    expect(keys.newKeys.size).toBe(510)
    const page1 = await listMeasurements(db.pool, { tenantId: 'demo', patientId: a.patientId, limit: 100 })
    const last = page1.at(-1)!
    const page2 = await listMeasurements(db.pool, { tenantId: 'demo', patientId: a.patientId, limit: 1000, after: { measuredAt: last.measuredAt, id: last.id } })
    expect(page1.length + page2.length).toBe(260)
    expect(new Set([...page1, ...page2].map((m) => m.id)).size).toBe(260)
  })

  it('keeps a malformed batch whole, with its raw payload', async () => {
    await storeBatches(db.pool, [{
      gatewayId: homes[4]!.gatewayId, tenantId: 'demo', patientId: homes[4]!.patientId, batchId: null,
      receivedAt: new Date(), readings: [], rejections: [], rawPayload: '{not json',
    }])
    const [r] = await listRejections(db.pool, { gatewayId: homes[4]!.gatewayId, limit: 1 })
    expect(r).toMatchObject({ code: 'malformed-batch', raw: '{not json', batchId: null })
  })
})

// device-protocol.md "Delivery, second key" (issue 14, defect 6): a gateway that lost its outbox ids
// re-sends a measurement under a new batch id; same patient, device, type, value and measuredAt is a duplicate.
describe('storeBatches: the second key', () => {
  const at = new Date('2026-11-23T07:00:00Z')
  const batchOf = (home: DemoHome, batchId: string, readings: Reading[]) => ({
    gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId, receivedAt: new Date(), readings, rejections: [],
  })
  const count = async (home: DemoHome) => countMeasurements(db.pool, { gatewayId: home.gatewayId })
  const ruleSeq = async (home: DemoHome) =>
    (await db.pool.query<{ seq: string }>('SELECT seq FROM rule_work WHERE patient_id = $1', [home.patientId])).rows[0]?.seq

  it('stores a reading re-sent under a new batch id once, answers it as a duplicate and queues no rule work', async () => {
    const home = homes[5]!
    const first = await storeBatches(db.pool, [batchOf(home, 'before-reboot', [reading('m1', 81.2, at), reading('m2', 81.3, at)])])
    expect(first.readingIds[0]!.every((id) => id.length === 36)).toBe(true)
    const seq = await ruleSeq(home)
    // after the reboot: m1 again under other ids, and a new reading beside it
    const again = await storeBatches(db.pool, [batchOf(home, 'after-reboot', [reading('x1', 81.2, at), reading('x2', 81.2, new Date(at.getTime() + 60_000))])])
    expect(again.readingIds[0]![0]).toBe('')
    expect(again.readingIds[0]![1]).toHaveLength(36)
    expect(again.newKeys).toEqual(new Set([keyOf(home.gatewayId, 'after-reboot', 'x2')]))
    expect(await count(home)).toBe(3)
    // only the new reading queued the patient again (one more), the duplicate nothing
    expect(Number(await ruleSeq(home))).toBe(Number(seq) + 1)
    const onlyDuplicate = await storeBatches(db.pool, [batchOf(home, 'third-try', [reading('y1', 81.3, at)])])
    expect(onlyDuplicate.readingIds[0]).toEqual([''])
    expect(onlyDuplicate.newKeys.size).toBe(0)
    expect(Number(await ruleSeq(home))).toBe(Number(seq) + 1)
  })

  it('stores the same reading given twice in one call once: across batches and within a batch, the first copy', async () => {
    const home = homes[6]!
    const result = await storeBatches(db.pool, [
      batchOf(home, 'a', [reading('m1', 90.1, at), reading('m2', 90.1, at)]),
      batchOf(home, 'b', [reading('m1', 90.1, at), reading('m9', 90.2, at)]),
    ])
    expect(result.readingIds[0]![0]).toHaveLength(36)
    expect(result.readingIds[0]![1]).toBe('')
    expect(result.readingIds[1]![0]).toBe('')
    expect(result.readingIds[1]![1]).toHaveLength(36)
    expect(result.newKeys).toEqual(new Set([keyOf(home.gatewayId, 'a', 'm1'), keyOf(home.gatewayId, 'b', 'm9')]))
    expect(await count(home)).toBe(2)
  })

  it('stores it once when two statements give it at once', async () => {
    const home = homes[7]!
    const results = await Promise.all(['p', 'q', 'r'].map((id) => storeBatches(db.pool, [batchOf(home, id, [reading('m1', 77.7, at)])])))
    expect(results.flatMap((r) => r.readingIds[0]!.filter((id) => id !== ''))).toHaveLength(1)
    expect(await count(home)).toBe(1)
  })

  it.each<[string, Partial<Reading>, number]>([
    ['another device', { deviceId: 'AA:BB:CC:00:11:99' }, 2],
    ['another value', { value: 70.1 }, 2],
    ['another time', { measuredAt: new Date(at.getTime() + 1) }, 2],
    ['another type', { type: 'pulse', unit: '/min' }, 2],
  ])('tells apart a reading of %s', async (_name, change, expected) => {
    const home = homes[8]!
    await db.pool.query('DELETE FROM measurements WHERE gateway_id = $1', [home.gatewayId])
    await storeBatches(db.pool, [batchOf(home, `one-${_name}`, [reading('m1', 70, at)])])
    await storeBatches(db.pool, [batchOf(home, `two-${_name}`, [{ ...reading('m1', 70, at), ...change }])])
    expect(await count(home)).toBe(expected)
  })

  it('has no second key for a reading timed by the platform (the gateway gave no time): alike ones are stored', async () => {
    const home = homes[9]!
    const flags: ReadingFlag[] = ['time-from-receipt']
    const alike = (id: string) => ({ ...reading(id, 70, at), flags })
    const result = await storeBatches(db.pool, [batchOf(home, 'r1', [alike('m1'), alike('m2')]), batchOf(home, 'r2', [alike('m1')])])
    expect(result.readingIds.flat().every((id) => id.length === 36)).toBe(true)
    expect(await count(home)).toBe(3)
  })

  // migration 0039: the key is the gateway's time, not the clock-fixed one
  it('takes a re-send under another clock offset for the reading, and readings the fix moved to one instant for two', async () => {
    const home = homes[10]!
    const gatewayAt = new Date(at.getTime() - 3_600_000)
    const adjusted = (id: string, measuredAt: Date, gatewayMeasuredAt: Date): Reading =>
      ({ ...reading(id, 91, measuredAt), gatewayMeasuredAt, flags: ['clock-adjusted'] })
    await storeBatches(db.pool, [batchOf(home, 'skewed', [adjusted('m1', at, gatewayAt)])])
    const resent = await storeBatches(db.pool, [batchOf(home, 'synced', [{ ...reading('m1', 91, gatewayAt), gatewayMeasuredAt: gatewayAt }])])
    expect(resent.readingIds).toEqual([['']])
    const moved = await storeBatches(db.pool, [batchOf(home, 'one-instant', [adjusted('m2', at, new Date(gatewayAt.getTime() + 1000))])])
    expect(moved.readingIds[0]![0]).toHaveLength(36)
    expect(await count(home)).toBe(2)
  })

  it('lets a reading\'s key go with it (retention deletes readings), so the key holds no health data of its own', async () => {
    const home = homes[11]!
    await storeBatches(db.pool, [batchOf(home, 'kept', [reading('m1', 72, at)])])
    const keys = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM measurement_second_keys WHERE patient_id = $1', [home.patientId])).rows[0]?.n
    expect(await keys()).toBe(1)
    await db.pool.query('DELETE FROM measurements WHERE patient_id = $1', [home.patientId])
    expect(await keys()).toBe(0)
    // and the measurement sent again later is a new reading, stored
    const again = await storeBatches(db.pool, [batchOf(home, 'after-retention', [reading('m1', 72, at)])])
    expect(again.readingIds[0]![0]).toHaveLength(36)
  })

  it('reads a patient\'s readings by the patient, type and time index', async () => {
    // the test's chunks are tiny; as in a real one, the planner is not to read them whole
    const client = await db.pool.connect()
    try {
      await client.query('BEGIN; SET LOCAL enable_seqscan = off')
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM measurements WHERE patient_id = $1 AND type = 'body-weight' AND measured_at >= '2026-11-20' ORDER BY measured_at DESC`,
        [homes[5]!.patientId],
      )
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('measurements_patient_type_time')
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  })
})

// issue 14, defect 2: what a gateway sent is kept for review in a form the database can hold
describe('storeBatches: rejections the database could not hold as sent', () => {
  it('keeps ids with NUL as escapes and the raw measurement as JSON', async () => {
    const home = homes[10]!
    await storeBatches(db.pool, [{
      gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: 'nul\u0000batch', receivedAt: new Date(), readings: [],
      rejections: [{ id: 'm\u0000\ud800', code: 'invalid-field', detail: 'id: must not contain NUL \u0000', raw: { id: 'm\u0000\ud800' } }],
    }])
    const [r] = await listRejections(db.pool, { gatewayId: home.gatewayId, limit: 1 })
    expect(r).toMatchObject({
      batchId: 'nul\\u0000batch', measurementId: 'm\\u0000\\ud800', detail: 'id: must not contain NUL \\u0000',
      raw: '{"id":"m\\u0000\\ud800"}', rawEncoding: 'text',
    })
    expect(JSON.parse(r!.raw)).toEqual({ id: 'm\u0000\ud800' })
  })

  it('keeps a payload that is not UTF-8 or has a NUL byte as base64 of its bytes, and one that is as text', async () => {
    const home = homes[10]!
    const payloads = [Buffer.from([0x7b, 0x00, 0x7d]), Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from('{"batchId":"\\u0000"}')]
    for (const rawPayload of payloads) {
      await storeBatches(db.pool, [{ gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: null, receivedAt: new Date(), readings: [], rejections: [], rawPayload }])
    }
    const rows = (await listRejections(db.pool, { gatewayId: home.gatewayId, limit: 3 })).reverse()
    expect(rows.map((r) => [r.rawEncoding, r.raw])).toEqual([
      ['base64', 'ewB9'], ['base64', 'e/99'], ['text', '{"batchId":"\\u0000"}'],
    ])
  })
})
