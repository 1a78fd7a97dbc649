import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLAIM_DELIVERIES_SQL, claimDeliveries, ensureRecipient, seedDemo, settleDelivery } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

/**
 * The claim must cost per recipient, not per pending delivery: Pasientens
 * måledata is one recipient with a delivery per patient each day (100,000 in a
 * large municipality). `npm run bench:forwarding` found the claim reading every
 * pending row of the queue (an anti-join per row: 0.5 s with 5,000 pending on
 * the embedded database, 2.5 deliveries a second), so a day could not drain.
 */
let db: TestDatabase
let recipient: string
let patient: string
const PENDING = 3_000

beforeAll(async () => {
  db = await startTestDatabase()
  const homes = await seedDemo(db.pool)
  patient = homes[0]!.patientId
  recipient = await ensureRecipient(db.pool, { tenantId: 'demo', name: 'Stor mottaker', transport: 'pmd', baseUrl: null })
  await db.pool.query(
    `INSERT INTO forwarding_outbox (tenant_id, recipient_id, patient_id, kind, window_start, window_end)
     SELECT 'demo', $1, $2, 'readings', d, d + interval '1 day'
       FROM generate_series(timestamptz '2020-01-01', timestamptz '2020-01-01' + ($3 - 1) * interval '1 day', interval '1 day') AS d`,
    [recipient, patient, PENDING],
  )
}, 60_000)
afterAll(() => db?.stop())

interface PlanNode { 'Relation Name'?: string; 'Actual Rows'?: number; 'Actual Loops'?: number; Plans?: PlanNode[] }
const rowsRead = (node: PlanNode, relation: string): number =>
  (node['Relation Name'] === relation ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) : 0) +
  (node.Plans ?? []).reduce((n, p) => n + rowsRead(p, relation), 0)

describe('the forwarding claim', () => {
  it(`reads the head of each recipient's queue, not its ${PENDING} pending deliveries`, async () => {
    const client = await db.pool.connect()
    try {
      await client.query('BEGIN')
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_DELIVERIES_SQL}`, [20, 1000])
      const read = rowsRead(rows[0]!['QUERY PLAN'][0].Plan, 'forwarding_outbox')
      expect(read).toBeLessThan(100)
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
  })

  it('still claims in order per recipient: the head, then after it settles the next', async () => {
    const first = (await claimDeliveries(db.pool, 20, 30_000)).filter((d) => d.recipient.id === recipient)
    expect(first).toHaveLength(1)
    expect((await claimDeliveries(db.pool, 20, 30_000)).filter((d) => d.recipient.id === recipient)).toEqual([]) // the head is leased
    await settleDelivery(db.pool, first[0]!.id, { status: 'delivered' })
    const second = (await claimDeliveries(db.pool, 20, 30_000)).filter((d) => d.recipient.id === recipient)
    expect(second.map((d) => Number(d.id))).toEqual([Number(first[0]!.id) + 1])
    // a head in backoff holds its queue
    await settleDelivery(db.pool, second[0]!.id, { status: 'failed', error: 'test', retryAt: new Date(Date.now() + 60_000) })
    expect((await claimDeliveries(db.pool, 20, 30_000)).filter((d) => d.recipient.id === recipient)).toEqual([])
  })
})
