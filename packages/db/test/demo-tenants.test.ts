import { checkNationalId } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accessiblePatientIds, findGatewayContext, findGatewayCredentials, NABO_PATIENTS, NABO_USERS, seedDemoTenants, verifySecret,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// platform-contract.md "Demo mode": a second tenant `nabo` with its own
// users, at least 3 patients and gateways nabo-gw-001 …, seeded beside
// `demo` and again on every restart without doubling anything.
let db: TestDatabase
let seeded: Awaited<ReturnType<typeof seedDemoTenants>>

beforeAll(async () => {
  db = await startTestDatabase()
  seeded = await seedDemoTenants(db.pool)
})
afterAll(async () => db?.stop())

const count = async (table: string, tenantId: string) =>
  Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]!.n)

describe('the second demo tenant', () => {
  it('seeds nabo with its users, patients and one gateway per patient', async () => {
    expect(NABO_PATIENTS.length).toBeGreaterThanOrEqual(3)
    expect(seeded.nabo.map((h) => h.gatewayId)).toEqual(NABO_PATIENTS.map((_, i) => `nabo-gw-00${i + 1}`))
    expect(seeded.nabo.every((h) => h.tenantId === 'nabo')).toBe(true)
    const { rows } = await db.pool.query<{ username: string; role: string; tenant_id: string }>(
      `SELECT username, role, tenant_id FROM users WHERE username LIKE 'nabo-%' ORDER BY username`)
    expect(rows).toEqual([
      { username: 'nabo-admin', role: 'admin', tenant_id: 'nabo' },
      { username: 'nabo-sykepleier', role: 'nurse', tenant_id: 'nabo' },
      // demo's vikar there too: one HelseID person, a user in both tenants (issue 24)
      { username: 'nabo-vikar', role: 'nurse', tenant_id: 'nabo' },
    ])
    expect(NABO_USERS.map((u) => u.username).sort()).toEqual(rows.map((r) => r.username))
    const { rows: tenant } = await db.pool.query<{ name: string }>(`SELECT name FROM tenants WHERE id = 'nabo'`)
    expect(tenant).toEqual([{ name: 'Nabo kommune' }])
    // a PMD recipient in demo mode needs them (issue 18): without, every delivery failed as not-configured
    const { rows: numbers } = await db.pool.query<{ id: string; municipality_number: string; organisation_number: string }>(
      `SELECT id, municipality_number, organisation_number FROM tenants WHERE id IN ('demo', 'nabo') ORDER BY id`)
    expect(numbers).toEqual([
      { id: 'demo', municipality_number: '9999', organisation_number: '999888777' },
      { id: 'nabo', municipality_number: '9998', organisation_number: '999888700' },
    ])
  })

  it('gives nabo synthetic national ids that are valid by their check digits', () => {
    for (const p of NABO_PATIENTS) expect(checkNationalId(p.nationalId), p.nationalId).toMatchObject({ isValid: true, isSynthetic: true })
  })

  it('lets each nabo gateway in with `<id>-secret`, as belonging to nabo', async () => {
    for (const home of seeded.nabo) {
      expect(await findGatewayContext(db.pool, home.gatewayId)).toMatchObject({ tenantId: 'nabo', patientId: home.patientId })
      const credentials = await findGatewayCredentials(db.pool, home.gatewayId)
      expect(await verifySecret(credentials!.secretHash, `${home.gatewayId}-secret`)).toBe(true)
    }
  })

  it('puts the nabo nurse on the care team of nabo patients only, and no demo user on theirs', async () => {
    const userId = async (u: string) => (await db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [u])).rows[0]!.id
    const naboNurse = await userId('nabo-sykepleier')
    expect([...(await accessiblePatientIds(db.pool, 'nabo', naboNurse))].sort()).toEqual(seeded.nabo.map((h) => h.patientId).sort())
    expect((await accessiblePatientIds(db.pool, 'demo', naboNurse)).size).toBe(0)
    expect((await accessiblePatientIds(db.pool, 'nabo', await userId('sykepleier'))).size).toBe(0)
  })

  it('seeds again on a restart without doubling anything', async () => {
    const before = await Promise.all(['patients', 'users', 'gateways', 'care_team_members'].map((t) => count(t, 'nabo')))
    const again = await seedDemoTenants(db.pool)
    expect(again).toEqual(seeded)
    expect(await Promise.all(['patients', 'users', 'gateways', 'care_team_members'].map((t) => count(t, 'nabo')))).toEqual(before)
  })
})
