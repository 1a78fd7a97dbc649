import type { Reading } from '@varde/domain'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyRuleActions, claimRuleWork, seedDemo, storeBatches, type DemoHome } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

let db: TestDatabase
let homes: DemoHome[]

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
})
afterAll(async () => db?.stop())

let n = 0
/** One stored SpO2 reading for a home: it queues the patient for the rules. */
async function store(home: DemoHome, spo2 = 95): Promise<void> {
  const reading: Reading = {
    measurementId: `m${n}`, deviceId: 'ox-1', type: 'spo2', value: spo2, unit: '%', originalValue: null, originalUnit: null,
    measuredAt: new Date(), flags: [], battery: null, source: 'decoded',
  }
  await storeBatches(db.pool, [{ gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: `fair-${n++}`, receivedAt: new Date(), readings: [reading], rejections: [] }])
}

const release = (claims: Awaited<ReturnType<typeof claimRuleWork>>) =>
  applyRuleActions(db.pool, claims.map((c) => ({ tenantId: 'demo', patientId: c.patientId, actions: [] })), claims, () => crypto.randomUUID())

describe('the rules queue', () => {
  it('serves patients in the order they joined, and puts one whose readings kept coming at the end', async () => {
    const [busy, quiet] = [homes[0]!, homes[1]!]
    await store(busy)
    const [claim] = await claimRuleWork(db.pool, 1)
    expect(claim?.patientId).toBe(busy.patientId)
    // while busy is judged: a reading from quiet, then another from busy
    await store(quiet)
    await store(busy)
    await applyRuleActions(db.pool, [{ tenantId: 'demo', patientId: busy.patientId, actions: [] }], [claim!], () => crypto.randomUUID())
    // busy is queued again (its new reading is unjudged), behind quiet, which waited
    const next = await claimRuleWork(db.pool, 1)
    expect(next.map((c) => c.patientId)).toEqual([quiet.patientId])
    const after = await claimRuleWork(db.pool, 1)
    expect(after.map((c) => c.patientId)).toEqual([busy.patientId])
    // and its new readings still count as new: pending since before the reading that came while it was judged
    expect(after[0]!.pendingSince.getTime()).toBeLessThanOrEqual(claim!.pendingSince.getTime())
  })

  it('judges a patient with a possibly red reading first, in a round of its own, and only while it has one unjudged', async () => {
    const [a, b, red] = [homes[2]!, homes[3]!, homes[4]!]
    await store(a)
    await store(b)
    await store(red, 80)
    // the red one first, alone, though two patients joined before it
    const first = await claimRuleWork(db.pool, 10)
    expect(first.map((c) => c.patientId)).toEqual([red.patientId])
    // a routine reading while it is judged: it goes back, no longer urgent, behind the others
    await store(red, 96)
    await release(first)
    const next = await claimRuleWork(db.pool, 2)
    expect(next.map((c) => c.patientId).sort()).toEqual([a.patientId, b.patientId].sort())
    const last = await claimRuleWork(db.pool, 2)
    expect(last.map((c) => c.patientId)).toEqual([red.patientId])
    // a red reading while judged keeps it urgent
    await store(a, 85)
    await release([...next, ...last])
    expect((await claimRuleWork(db.pool, 10)).map((c) => c.patientId)).toEqual([a.patientId])
  })

  it('queues a patient again whose reading was stored while its judgement was being written (not left claimed for the lease)', async () => {
    // issue 15: a CI run left 4 patients on rule_work for over 30 s (platform/test/multi-process.test.ts). On a
    // server with a session per connection, a store that commits while the judgement's statement waits for the
    // patient's queue row changed the row's seq after that statement's snapshot: its DELETE (seq as claimed)
    // skipped the row, and its release (seq not as claimed) judged by the snapshot, where seq was still as
    // claimed. The row stayed claimed until the lease ran out (60 s), its new reading unjudged.
    const patient = homes[5]!
    await store(patient)
    const claims = await claimRuleWork(db.pool, 10)
    expect(claims.map((c) => c.patientId)).toEqual([patient.patientId])
    const storing = await db.pool.connect()
    try {
      await storing.query('BEGIN')
      await storeBatches(storing, [{
        gatewayId: patient.gatewayId, tenantId: 'demo', patientId: patient.patientId, batchId: `fair-${n++}`, receivedAt: new Date(), rejections: [],
        readings: [{ measurementId: 'm0', deviceId: 'ox-1', type: 'spo2', value: 96, unit: '%', originalValue: null, originalUnit: null, measuredAt: new Date(), flags: [], battery: null, source: 'decoded' }],
      }])
      const judging = release(claims)
      // on a server, the judgement waits for the store's lock on the queue row (the embedded database's one
      // session runs it after the store's transaction instead, which is the ordinary case)
      if (db.kind === 'postgres') await waitForLockWait()
      await storing.query('COMMIT')
      await judging
    } finally {
      storing.release()
    }
    // the reading stored meanwhile is unjudged: the patient is claimable now, pending since before it
    const again = await claimRuleWork(db.pool, 10)
    expect(again.map((c) => c.patientId)).toEqual([patient.patientId])
    await release(again)
  })
})

/** Until some session of this database waits for a lock (PostgreSQL only). */
async function waitForLockWait(): Promise<void> {
  const deadline = Date.now() + 10_000
  const observer = new pg.Client({ connectionString: db.ownerUrl })
  await observer.connect()
  try {
    for (;;) {
      const { rows } = await observer.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
      if ((rows[0]?.n ?? 0) > 0) return
      if (Date.now() > deadline) throw new Error('no session waited for a lock within 10 s')
      await new Promise((r) => setTimeout(r, 20))
    }
  } finally {
    await observer.end()
  }
}
