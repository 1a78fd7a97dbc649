import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addCareTeamMember, canAccessPatient, CLAIM_DELIVERIES_SQL, claimDeliveries, endCareTeamMember, enqueueReadingsBatches, listCareTeam, listDeliveries,
  listPatientsForUser, recordObjection, seedDemo, settleDelivery, withdrawObjection, type DemoHome,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// The care team, the objection and the forwarding outbox against the real
// database (embedded, and PostgreSQL in the node-postgres project): access
// follows an active relationship only, an objection stops forwarding at once,
// and a red alert is enqueued by the statement that writes it (migration 0013).
let db: TestDatabase
let homes: DemoHome[]
let users: Map<string, string>
let practice: string
let kari: string // COPD, the GP on her team (isSharedWithGp)
let ola: string // heart failure, the GP on his team
let ingrid: string // the GP on her team

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  ;[kari, ola, ingrid] = homes.map((h) => h.patientId) as [string, string, string]
  users = new Map((await db.pool.query<{ username: string; id: string }>(`SELECT username, id FROM users`)).rows.map((r) => [r.username, r.id]))
  practice = (await db.pool.query<{ id: string }>(`SELECT id FROM forwarding_recipients WHERE name = 'Demo legekontor'`)).rows[0]!.id
})
afterAll(async () => db?.stop())

const user = (name: string) => users.get(name) as string
let alertKeys = 0
async function writeAlert(patientId: string, severity: 'red' | 'yellow'): Promise<string> {
  const finding = JSON.stringify({ measures: { spo2: severity === 'red' ? 81 : 92 } })
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO alerts (tenant_id, patient_id, alert_key, rule_id, rule_version, rule_kind, severity, first_triggered_at, last_triggered_at,
                         summary_nb, summary_en, first_finding, last_finding, red_since)
     VALUES ('demo', $1, $2, 'threshold:spo2', 'default:2026.1', 'threshold', $3, now(), now(), 'SpO2', 'SpO2', $4, $4,
             CASE WHEN $3 = 'red' THEN now() END)
     RETURNING id`,
    [patientId, `care-team-test#${++alertKeys}`, severity, finding],
  )
  return rows[0]!.id
}
const outboxOf = async (alertId: string) =>
  (await db.pool.query<{ recipient_id: string; status: string }>(`SELECT recipient_id, status FROM forwarding_outbox WHERE alert_id = $1`, [alertId])).rows

describe('the care relationship', () => {
  it('an ended relationship ends access at once, and the record of it stays', async () => {
    const gp = user('fastlege')
    expect(await canAccessPatient(db.pool, 'demo', gp, ola)).toBe(true)
    const team = await listCareTeam(db.pool, 'demo', ola)
    const relationship = team.find((m) => m.user?.id === gp)!
    expect(relationship).toMatchObject({ relation: 'gp', isActive: true, recipient: { id: practice, name: 'Demo legekontor' }, organisation: { number: '999000111' } })

    const ended = await endCareTeamMember(db.pool, { tenantId: 'demo', patientId: ola, memberId: relationship.id, endedByUserId: user('sykepleier'), reason: 'Byttet fastlege' })
    expect(ended).toMatchObject({ isActive: false, ended: { byUserId: user('sykepleier'), reason: 'Byttet fastlege' } })
    expect(await canAccessPatient(db.pool, 'demo', gp, ola)).toBe(false)
    expect((await listPatientsForUser(db.pool, 'demo', gp)).map((p) => p.id)).not.toContain(ola)
    // ended once: a second end finds nothing open
    expect(await endCareTeamMember(db.pool, { tenantId: 'demo', patientId: ola, memberId: relationship.id, endedByUserId: user('sykepleier'), reason: 'x' })).toBeNull()
    // forwarding stops with it: a red alert now enqueues nothing for the practice
    expect(await outboxOf(await writeAlert(ola, 'red'))).toEqual([])
    // the ended row stays in the team's record, after the active ones
    expect((await listCareTeam(db.pool, 'demo', ola)).at(-1)).toMatchObject({ id: relationship.id, isActive: false })
  })

  it('adds a relationship with the trust framework metadata; a second open one for the same user is refused', async () => {
    const added = await addCareTeamMember(db.pool, {
      tenantId: 'demo', patientId: ola, relation: 'gp', userId: user('fastlege'), recipientId: practice,
      organisation: { name: 'Demo legekontor', number: '999000111', herId: '9990001' }, practitioner: { name: 'Frida Fastlege', hprNumber: '9144889' },
      metadata: { roleAuthorization: 'LE', legalEntity: { number: '999000111', name: 'Demo legekontor AS' }, pointOfCare: 'Demo legekontor',
        department: 'Allmennpraksis', healthcareService: 'Fastlegetjeneste', purposeOfUse: 'TREAT' },
      decidedByUserId: user('sykepleier'), reason: 'Ny fastlege fra 1. desember',
    })
    expect(added).toMatchObject({ ok: true, member: {
      isActive: true, practitioner: { hprNumber: '9144889' },
      metadata: { roleAuthorization: 'LE', legalEntity: { name: 'Demo legekontor AS' }, department: 'Allmennpraksis', purposeOfUse: 'TREAT' },
      decision: { byUserId: user('sykepleier'), byName: 'Sara Sykepleier', reason: 'Ny fastlege fra 1. desember' },
    } })
    expect(await canAccessPatient(db.pool, 'demo', user('fastlege'), ola)).toBe(true)
    const again = await addCareTeamMember(db.pool, { tenantId: 'demo', patientId: ola, relation: 'gp', userId: user('fastlege'), decidedByUserId: user('sykepleier'), reason: 'x' })
    expect(again).toEqual({ ok: false, code: 'already-member' })
    // a member outside the tenant: an organisation, no user; grants no login anyone's access
    const outside = await addCareTeamMember(db.pool, {
      tenantId: 'demo', patientId: ola, relation: 'hospital', organisation: { name: 'Sykehuset Demo, hjertemedisinsk avdeling', number: '999000222', herId: '9990002' },
      decidedByUserId: user('sykepleier'), reason: 'Innlagt i fjor',
    })
    expect(outside).toMatchObject({ ok: true, member: { user: null, organisation: { herId: '9990002' } } })
  })
})

describe('forwarding on a red alert', () => {
  it('the statement that writes a red alert enqueues it for the GP practice; a yellow one does not until it turns red', async () => {
    const red = await writeAlert(kari, 'red')
    expect(await outboxOf(red)).toEqual([{ recipient_id: practice, status: 'pending' }])
    const yellow = await writeAlert(kari, 'yellow')
    expect(await outboxOf(yellow)).toEqual([])
    await db.pool.query(`UPDATE alerts SET severity = 'red', red_since = now() WHERE id = $1`, [yellow])
    expect(await outboxOf(yellow)).toHaveLength(1)
    // a later change of the red alert enqueues nothing more
    await db.pool.query(`UPDATE alerts SET count = count + 1, severity = 'red' WHERE id = $1`, [yellow])
    expect(await outboxOf(yellow)).toHaveLength(1)
    // a patient whose team has no outside recipient enqueues nothing
    expect(await outboxOf(await writeAlert(homes[6]!.patientId, 'red'))).toEqual([])
  })

  it('claims the head of each recipient queue only, in order; backoff holds the queue; settles delivered, then the next', async () => {
    await db.pool.query(`UPDATE forwarding_outbox SET status = 'cancelled', settled_at = now() WHERE status = 'pending'`)
    const first = await writeAlert(kari, 'red')
    const second = await writeAlert(kari, 'red')
    const [claimed, ...rest] = await claimDeliveries(db.pool, 10, 30_000)
    expect(rest).toEqual([])
    expect(claimed).toMatchObject({ alertId: first, attempts: 1, isAllowed: true, recipient: { id: practice, isDemo: true, baseUrl: null } })
    // leased: nobody else takes it, and the second waits behind it
    expect(await claimDeliveries(db.pool, 10, 30_000)).toEqual([])
    await settleDelivery(db.pool, claimed!.id, { status: 'failed', error: 'http-503', retryAt: new Date(Date.now() + 60_000) })
    expect(await claimDeliveries(db.pool, 10, 30_000)).toEqual([]) // the head is in backoff: order per recipient holds
    await db.pool.query(`UPDATE forwarding_outbox SET next_attempt_at = now() WHERE id = $1`, [claimed!.id])
    const retried = (await claimDeliveries(db.pool, 10, 30_000))[0]!
    expect(retried).toMatchObject({ alertId: first, attempts: 2 })
    await settleDelivery(db.pool, retried.id, { status: 'delivered' })
    expect((await claimDeliveries(db.pool, 10, 30_000))[0]).toMatchObject({ alertId: second })
    // the last try fails: a dead letter, and the queue moves on
    const deliveries = await listDeliveries(db.pool, 'demo', kari)
    expect(deliveries.find((d) => d.alertId === first)).toMatchObject({ status: 'delivered', attempts: 2, lastError: null })
  })

  it('a dead letter after the last try does not hold the queue', async () => {
    await db.pool.query(`UPDATE forwarding_outbox SET status = 'cancelled', settled_at = now() WHERE status = 'pending'`)
    const a = await writeAlert(kari, 'red')
    const b = await writeAlert(kari, 'red')
    const claimed = (await claimDeliveries(db.pool, 10, 30_000))[0]!
    await settleDelivery(db.pool, claimed.id, { status: 'failed', error: 'http-500', retryAt: null })
    expect((await listDeliveries(db.pool, 'demo', kari)).find((d) => d.alertId === a)).toMatchObject({ status: 'dead', lastError: 'http-500' })
    expect((await claimDeliveries(db.pool, 10, 30_000))[0]).toMatchObject({ alertId: b })
  })

  it('an objection against the practice stops forwarding at once: pending deliveries cancelled, nothing new enqueued, the GP no longer sees her', async () => {
    await db.pool.query(`UPDATE forwarding_outbox SET status = 'cancelled', settled_at = now() WHERE status = 'pending'`)
    const pending = await writeAlert(ingrid, 'red')
    const claimedBefore = await writeAlert(ingrid, 'red')
    expect(await outboxOf(pending)).toHaveLength(1)
    const objection = await recordObjection(db.pool, {
      tenantId: 'demo', patientId: ingrid, scope: 'recipient', recipientId: practice, channel: 'phone', objectedOn: '2026-12-01',
      note: 'Vil ikke at målinger sendes til fastlegen', recordedByUserId: user('sykepleier'),
    })
    expect(objection).toMatchObject({ scope: 'recipient', channel: 'phone', objectedOn: '2026-12-01', withdrawn: null })
    expect(await outboxOf(pending)).toEqual([{ recipient_id: practice, status: 'cancelled' }])
    expect(await outboxOf(claimedBefore)).toEqual([{ recipient_id: practice, status: 'cancelled' }])
    expect(await outboxOf(await writeAlert(ingrid, 'red'))).toEqual([])
    expect(await canAccessPatient(db.pool, 'demo', user('fastlege'), ingrid)).toBe(false)
    // the municipal team keeps access
    expect(await canAccessPatient(db.pool, 'demo', user('sykepleier'), ingrid)).toBe(true)
    expect(await enqueueReadingsBatches(db.pool, { start: new Date(Date.now() - 86_400_000), end: new Date() })).toBeGreaterThan(0)
    expect((await listDeliveries(db.pool, 'demo', ingrid)).filter((d) => d.kind === 'readings')).toEqual([])

    const withdrawn = await withdrawObjection(db.pool, { tenantId: 'demo', patientId: ingrid, objectionId: objection.id, byUserId: user('sykepleier'), channel: 'in-person' })
    expect(withdrawn).toMatchObject({ withdrawn: { channel: 'in-person' } })
    expect(await canAccessPatient(db.pool, 'demo', user('fastlege'), ingrid)).toBe(true)
    expect(await outboxOf(await writeAlert(ingrid, 'red'))).toHaveLength(1)
  })

  it('an objection that came after the claim is seen at send time', async () => {
    await db.pool.query(`UPDATE forwarding_outbox SET status = 'cancelled', settled_at = now() WHERE status = 'pending'`)
    await writeAlert(ingrid, 'red')
    // the objection lands between enqueueing and the claim, bypassing recordObjection's cancel (as a second process might)
    await db.pool.query(`UPDATE patients SET objects_to_sharing = true WHERE id = $1`, [ingrid])
    const claimed = await claimDeliveries(db.pool, 10, 30_000)
    expect(claimed).toMatchObject([{ patientId: ingrid, isAllowed: false }])
    await db.pool.query(`UPDATE patients SET objects_to_sharing = false WHERE id = $1`, [ingrid])
  })

  it('an objection against all sharing beyond the municipal team sets the flag, and its withdrawal clears it', async () => {
    const o = await recordObjection(db.pool, { tenantId: 'demo', patientId: kari, scope: 'all-beyond-municipal', channel: 'letter', recordedByUserId: user('sykepleier') })
    const flag = async () => (await db.pool.query<{ f: boolean }>(`SELECT objects_to_sharing AS f FROM patients WHERE id = $1`, [kari])).rows[0]!.f
    expect(await flag()).toBe(true)
    expect(await canAccessPatient(db.pool, 'demo', user('fastlege'), kari)).toBe(false)
    expect(await outboxOf(await writeAlert(kari, 'red'))).toEqual([])
    await withdrawObjection(db.pool, { tenantId: 'demo', patientId: kari, objectionId: o.id, byUserId: user('sykepleier'), channel: 'letter' })
    expect(await flag()).toBe(false)
    expect(await canAccessPatient(db.pool, 'demo', user('fastlege'), kari)).toBe(true)
  })

  it('the claim reads only pending rows through their partial indexes, however many were delivered', async () => {
    const client = await db.pool.connect()
    try {
      // the planner prefers a scan of a table this small; forbidding it shows the indexes serve the claim
      await client.query('SET enable_seqscan = off')
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${CLAIM_DELIVERIES_SQL}`, [20, 1000])).rows.map((r) => r['QUERY PLAN']).join('\n')
      // both the candidates and the earlier-in-queue check go through the index of pending rows
      expect(plan.match(/Index Scan on forwarding_outbox_pending|Index Scan using forwarding_outbox_pending/g)?.length).toBeGreaterThanOrEqual(2)
    } finally {
      await client.query('RESET enable_seqscan')
      client.release()
    }
  })

  it('daily readings are enqueued once per window and recipient, whichever worker runs the scheduler', async () => {
    const window = { start: new Date('2026-12-01T23:00:00Z'), end: new Date('2026-12-02T23:00:00Z') }
    const first = await enqueueReadingsBatches(db.pool, window)
    expect(first).toBeGreaterThan(0)
    expect(await enqueueReadingsBatches(db.pool, window)).toBe(0)
  })
})
