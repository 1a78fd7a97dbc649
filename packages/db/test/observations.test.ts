import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BP_PANEL, listObservations, OBSERVATIONS_STATEMENT, NEWEST_FIRST_STATEMENT, COUNT_STATEMENT, seedDemo, type DemoHome, type ObservationRow } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Readings as FHIR Observations (observations.ts, decision 0016): a blood
// pressure's two readings are one panel, paired by device and time, the n-th
// systolic with the n-th diastolic of one instant in order of measurement key;
// a half without its partner is an Observation of its own.
let db: TestDatabase
let home: DemoHome
const t0 = Date.UTC(2026, 0, 5, 7, 0)
const at = (minutes: number) => new Date(t0 + minutes * 60_000)

async function insert(rows: { device?: string; batch?: string; key: string; type: string; value: number; minutes: number }[]): Promise<void> {
  for (const r of rows) {
    await db.pool.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       VALUES ('demo', $1, $2, $3, $4, $5, $6, $7, $8, $9, now(), 'decoded')`,
      [home.patientId, home.gatewayId, r.device ?? 'cuff', r.batch ?? 'b1', r.key, r.type, r.value, r.type === 'pulse' ? '/min' : 'mm[Hg]', at(r.minutes)])
  }
}
const shape = (o: ObservationRow) => [o.kind, o.value, o.diastolic?.value ?? null, o.measuredAt.getTime() - t0]

beforeAll(async () => {
  db = await startTestDatabase()
  home = (await seedDemo(db.pool))[0]!
  await insert([
    // one GATT value: both halves and a pulse under one key
    { key: 'g', type: 'bp-systolic', value: 140, minutes: 0 }, { key: 'g', type: 'bp-diastolic', value: 90, minutes: 0 }, { key: 'g', type: 'pulse', value: 70, minutes: 0 },
    // two measurements of one instant, decoded, each half its own key: paired in order of key
    { key: 'a1', type: 'bp-systolic', value: 120, minutes: 1 }, { key: 'a2', type: 'bp-diastolic', value: 80, minutes: 1 },
    { key: 'b1', type: 'bp-systolic', value: 125, minutes: 1 }, { key: 'b2', type: 'bp-diastolic', value: 85, minutes: 1 },
    // a lone systolic, a lone diastolic, and two halves of different devices (not a pair)
    { key: 's', type: 'bp-systolic', value: 150, minutes: 2 }, { key: 'd', type: 'bp-diastolic', value: 95, minutes: 3 },
    { device: 'cuff-2', key: 'x', type: 'bp-systolic', value: 130, minutes: 4 }, { device: 'cuff-3', key: 'y', type: 'bp-diastolic', value: 88, minutes: 4 },
  ])
})
afterAll(async () => db?.stop())

const all = (kinds?: string[], limit = 100) => listObservations(db.pool, { tenantId: 'demo', patientId: home.patientId, limit, ...(kinds ? { kinds } : {}) })
async function paged(kinds: string[] | undefined, limit: number): Promise<ObservationRow[]> {
  const out: ObservationRow[] = []
  for (;;) {
    const last = out.at(-1)
    const page = await listObservations(db.pool, {
      tenantId: 'demo', patientId: home.patientId, limit, ...(kinds ? { kinds } : {}), ...(last ? { after: { measuredAt: last.measuredAt, id: last.id } } : {}),
    })
    out.push(...page)
    if (page.length < limit) return out
  }
}

describe('listObservations', () => {
  it('pairs each blood pressure into one panel and leaves no reading unshown', async () => {
    const rows = await all()
    expect(rows.map(shape).sort()).toEqual([
      [BP_PANEL, 120, 80, 60_000], [BP_PANEL, 125, 85, 60_000], [BP_PANEL, 140, 90, 0],
      ['bp-diastolic', 88, null, 240_000], ['bp-diastolic', 95, null, 180_000],
      ['bp-systolic', 130, null, 240_000], ['bp-systolic', 150, null, 120_000], ['pulse', 70, null, 0],
    ].sort())
    expect(rows.map((o) => [o.measuredAt.getTime(), o.id])).toEqual(rows.map((o) => [o.measuredAt.getTime(), o.id]).sort((a, b) => (a[0]! as number) - (b[0]! as number) || String(a[1]).localeCompare(String(b[1]))))
  })

  it('pages to the same Observations at every page size, for every choice of kinds', async () => {
    for (const kinds of [undefined, [BP_PANEL], ['bp-systolic'], [BP_PANEL, 'bp-systolic'], [BP_PANEL, 'bp-diastolic'], ['pulse'], [BP_PANEL, 'bp-systolic', 'bp-diastolic']]) {
      const whole = (await all(kinds)).map(shape)
      for (const limit of [1, 2, 3, 5]) expect({ kinds, limit, rows: (await paged(kinds, limit)).map(shape) }).toEqual({ kinds, limit, rows: whole })
    }
  })

  it('reads one Observation by its reading, and none for a paired diastolic half', async () => {
    const [panel] = await all([BP_PANEL], 1)
    const only = (id: string, minutes: number) => listObservations(db.pool, { tenantId: 'demo', patientId: home.patientId, limit: 1, only: { id, measuredAt: at(minutes) } })
    expect((await only(panel!.id, 0)).map(shape)).toEqual([shape(panel!)])
    expect(await only(panel!.diastolic!.id, 0)).toEqual([])
  })

  it('is planned without a join (a self-join of the readings was a nested loop: 102 s for 20 000 readings)', async () => {
    const { rows } = await db.pool.query<Record<string, string>>(
      `EXPLAIN SELECT 1 FROM measurements m JOIN measurements d ON d.id = m.id WHERE m.patient_id = $1`, [home.patientId])
    expect(rows.map((r) => Object.values(r)[0]).join('\n')).toMatch(/Join|Nested Loop/) // the check below can see a join
    // oldest first, newest first (_sort=-date) and the count (_summary=count): the same pairing, no join in any
    for (const statement of [OBSERVATIONS_STATEMENT, NEWEST_FIRST_STATEMENT, COUNT_STATEMENT]) {
      const plan = await db.pool.query<Record<string, string>>(
        `EXPLAIN ${statement}`, ['demo', home.patientId, null, null, null, null, null, null, null, 101, true, null, null])
      expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).not.toMatch(/Join|Nested Loop/)
    }
  })
})
