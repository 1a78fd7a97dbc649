import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  findGatewayContext, findGatewayCredentialChanges, findGatewayCredentials, listAccessLog, listTenantGateways, pairDevice,
  provisionGateway, revokeTenantGateway, rotateGatewaySecret, seedDemo, unpairDevice, verifySecret, type DemoHome,
  type DbActor,
} from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

let db: TestDatabase
let homes: DemoHome[]
let patientId: string
const admin: DbActor = { tenantId: 'demo', userId: null, username: 'cli:test' }

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  const { rows } = await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'Test Pasient') RETURNING id`)
  patientId = rows[0]!.id
})
afterAll(async () => db?.stop())

describe('gateway provisioning', () => {
  it('creates a gateway whose secret is stored only as an argon2id hash, and audits it in the same statement', async () => {
    const created = await provisionGateway(db.pool, { actor: admin, patientId })
    if (!created.ok) throw new Error(created.code)
    expect(created.gatewayId).toMatch(/^gw-[0-9a-f]{12}$/)
    expect(created.secret).toHaveLength(43)
    const stored = await findGatewayCredentials(db.pool, created.gatewayId)
    expect(stored?.secretHash).toMatch(/^\$argon2id\$/)
    expect(stored?.secretHash).not.toContain(created.secret)
    expect(await verifySecret(stored?.secretHash, created.secret)).toBe(true)
    const [entry] = await listAccessLog(db.pool, { tenantId: 'demo', limit: 1 })
    expect(entry).toMatchObject({ actor: 'cli:test', action: 'gateway.create', resourceType: 'Gateway', resourceId: created.gatewayId, patientId, outcome: 'allowed' })
    // one active gateway per patient: a second needs the first revoked
    expect(await provisionGateway(db.pool, { actor: admin, patientId })).toEqual({ ok: false, code: 'patient-has-gateway' })
  })

  it('refuses a patient of another tenant, an unknown patient and a taken id', async () => {
    expect(await provisionGateway(db.pool, { actor: { ...admin, tenantId: 'other' }, patientId: homes[1]!.patientId })).toEqual({ ok: false, code: 'patient-not-found' })
    expect(await provisionGateway(db.pool, { actor: admin, patientId: 'not-a-uuid' })).toEqual({ ok: false, code: 'patient-not-found' })
    const { rows } = await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'Ny Pasient') RETURNING id`)
    expect(await provisionGateway(db.pool, { actor: admin, patientId: rows[0]!.id, gatewayId: 'demo-gw-001' })).toEqual({ ok: false, code: 'id-taken' })
    expect(await provisionGateway(db.pool, { actor: admin, patientId: rows[0]!.id, gatewayId: 'bad id!' })).toEqual({ ok: false, code: 'invalid-id' })
  })

  it('rotates a secret: the old one stops working and the change is visible to the broker poll', async () => {
    const id = homes[2]!.gatewayId
    const rotated = await rotateGatewaySecret(db.pool, { actor: admin, gatewayId: id })
    if (!rotated.ok) throw new Error(rotated.code)
    const stored = await findGatewayCredentials(db.pool, id)
    expect(await verifySecret(stored?.secretHash, homes[2]!.secret)).toBe(false)
    expect(await verifySecret(stored?.secretHash, rotated.secret)).toBe(true)
    expect(await findGatewayCredentialChanges(db.pool, 60_000)).toContainEqual({ gatewayId: id, secretHash: stored?.secretHash, isRevoked: false })
    expect(await rotateGatewaySecret(db.pool, { actor: { ...admin, tenantId: 'other' }, gatewayId: id })).toEqual({ ok: false, code: 'not-found' })
  })

  it('revokes idempotently, only within the tenant, and a revoked gateway can neither rotate nor pair', async () => {
    const id = homes[3]!.gatewayId
    expect(await revokeTenantGateway(db.pool, { actor: { ...admin, tenantId: 'other' }, gatewayId: id })).toEqual({ ok: false, code: 'not-found' })
    expect(await revokeTenantGateway(db.pool, { actor: admin, gatewayId: id })).toEqual({ ok: true, wasRevoked: false })
    expect(await revokeTenantGateway(db.pool, { actor: admin, gatewayId: id })).toEqual({ ok: true, wasRevoked: true })
    expect((await findGatewayCredentials(db.pool, id))?.isRevoked).toBe(true)
    expect(await findGatewayCredentialChanges(db.pool, 60_000)).toContainEqual(expect.objectContaining({ gatewayId: id, isRevoked: true }))
    expect(await rotateGatewaySecret(db.pool, { actor: admin, gatewayId: id })).toEqual({ ok: false, code: 'revoked' })
    expect(await pairDevice(db.pool, { actor: admin, gatewayId: id, deviceId: 'AA:BB' })).toEqual({ ok: false, code: 'revoked' })
    const revokes = (await listAccessLog(db.pool, { tenantId: 'demo', limit: 50 })).filter((e) => e.action === 'gateway.revoke' && e.resourceId === id)
    expect(revokes).toHaveLength(1)
  })

  it('pairs and unpairs devices with the gateway\'s patient', async () => {
    const id = homes[4]!.gatewayId
    const paired = await pairDevice(db.pool, { actor: admin, gatewayId: id, deviceId: 'AA:BB:CC:00:11:22' })
    expect(paired.ok).toBe(true)
    expect((await findGatewayContext(db.pool, id))?.pairedDeviceIds).toEqual(new Set(['AA:BB:CC:00:11:22']))
    const listed = (await listTenantGateways(db.pool, 'demo')).find((g) => g.id === id)
    expect(listed).toMatchObject({ patientId: homes[4]!.patientId, pairedDeviceIds: ['AA:BB:CC:00:11:22'], revokedAt: null })
    expect(await unpairDevice(db.pool, { actor: admin, gatewayId: id, deviceId: 'AA:BB:CC:00:11:22' })).toEqual({ ok: true, wasPaired: true })
    expect((await findGatewayContext(db.pool, id))?.pairedDeviceIds.size).toBe(0)
    expect(await pairDevice(db.pool, { actor: { ...admin, tenantId: 'other' }, gatewayId: id, deviceId: 'x' })).toEqual({ ok: false, code: 'not-found' })
    expect(await listTenantGateways(db.pool, 'other')).toEqual([])
  })
})
