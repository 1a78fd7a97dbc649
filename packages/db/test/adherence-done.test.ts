import { adherence, planOccurrences, resolvePatientRules } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAdherenceDone, seedDemo } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Issue 20 (docs/decisions/0043): the list's adherence asks the database which occurrences of the measuring plan
// each patient has a reading in, instead of fetching every reading of 30 days; the count must be the one the
// readings give (@varde/domain adherence from measuredAt), window edges, other vitals and other patients included.
let db: TestDatabase
beforeAll(async () => {
  db = await startTestDatabase()
})
afterAll(async () => db?.stop())

describe('loadAdherenceDone', () => {
  it('answers per patient the occurrences with a reading of their vital inside the window, as the readings count them', async () => {
    const homes = await seedDemo(db.pool)
    const [first, second] = homes
    const now = new Date('2026-03-10T12:00:00+01:00')
    // heart failure: the morning weight by 10:00 Europe/Oslo
    const ruleSet = resolvePatientRules(['heart-failure'], [])
    const occurrences = planOccurrences(ruleSet, now, 30)
    const weights = ['2026-03-04T08:00+01:00', '2026-03-06T10:00+01:00', '2026-03-08T10:00:01+01:00', '2026-03-09T23:59+01:00', '2026-02-01T09:00+01:00']
      .map((iso) => new Date(iso))
    const rows = [
      ...weights.map((at, i) => ({ patient: first!.patientId, type: 'body-weight', at, id: `w${i}` })),
      // a pulse in the window (another vital), and the other patient's weight: neither counts for the first
      { patient: first!.patientId, type: 'pulse', at: new Date('2026-03-05T08:00+01:00'), id: 'p1' },
      { patient: second!.patientId, type: 'body-weight', at: new Date('2026-03-05T08:00+01:00'), id: 'o1' },
    ]
    await db.pool.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       SELECT 'demo', p, 'demo-gw-001', 'AA:BB:CC:00:00:09', 'adh-' || id, id, t, 70, 'kg', at, at, 'decoded'
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS x(p, t, at, id)`,
      [rows.map((r) => r.patient), rows.map((r) => r.type), rows.map((r) => r.at), rows.map((r) => r.id)],
    )
    const done = await loadAdherenceDone(db.pool, [first!.patientId, second!.patientId], ruleSet.timeZone, occurrences)
    const mine = done.get(first!.patientId)!
    const theirs = done.get(second!.patientId)!
    for (const days of [7, 30]) {
      const input = { ruleSet, pauses: [], serviceStartedAt: new Date('2026-01-01T00:00+01:00'), now, days }
      const fromReadings = adherence({ ...input, measuredAt: { 'body-weight': weights } })
      expect(adherence({ ...input, occurrences, done: (o) => mine.done.has(occurrences.indexOf(o)) })).toEqual(fromReadings)
    }
    // 4 March 08:00 and 6 March 10:00 (the deadline itself) count; 8 March 10:00:01, 9 March 23:59 and 1 February (before the 30 days) do not
    expect([...mine.done].map((i) => occurrences[i]!.date).sort()).toEqual(['2026-03-04', '2026-03-06'])
    expect([...theirs.done].map((i) => occurrences[i]!.date)).toEqual(['2026-03-05'])
  })
})
