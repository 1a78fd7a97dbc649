import type { Reading } from '@varde/domain'
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
    const mk = (h: DemoHome, batchId: string, n: number) => ({
      gatewayId: h.gatewayId, tenantId: 'demo', patientId: h.patientId, batchId, receivedAt: new Date(),
      readings: Array.from({ length: n }, (_, i) => reading(`m${i}`, 70 + i / 10, new Date(base + i * 60_000))),
      rejections: [],
    })
    const keys = await storeBatches(db.pool, [mk(a, 'x', 250), mk(b, 'y', 250), mk(a, 'z', 10)])
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
