import { countMeasurements, findGatewayContext, hashSecret, listAccessLog, seedDemo, type DemoHome } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { BrokerStatsSnapshot } from '@varde/domain'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LiveEvents } from '../src/index.js'
import { startServerStack, type ServerStack } from './server-stack.js'

// Provisioning through the admin API against the real broker, ingest and
// database: a gateway is created for a patient and its secret shown once;
// rotation and revocation cut a connected gateway off within a second (the
// broker's own database poll is set to a minute here, so it is the server's
// order over MQTT that does it); only a tenant's admin may do any of it.
let db: TestDatabase
let stack: ServerStack
let live: LiveEvents
let homes: DemoHome[]
let baseUrl: string
let mqttUrl: string
let newPatientId: string
let adminCookie: string

beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
  newPatientId = (await db.pool.query<{ id: string }>(`INSERT INTO patients (tenant_id, display_name) VALUES ('demo', 'Ny Pasient') RETURNING id`)).rows[0]!.id
  await db.pool.query(`INSERT INTO tenants (id, name) VALUES ('other', 'Annen kommune')`)
  await db.pool.query(`INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('other', 'other-admin', 'Annen Admin', 'admin', $1)`, [await hashSecret('other-pw')])
  stack = await startServerStack({ db, name: 'admin-gateways-test', broker: { statsIntervalMs: 200, credentialCheckIntervalMs: 60_000 } })
  ;({ live, baseUrl, mqttUrl } = stack)
  adminCookie = await login('admin')
})
afterAll(async () => {
  await stack?.stop()
  await db?.stop()
})

const login = (username: string, password?: string) => stack.login(username, password)
const api = (cookie: string, method: string, path: string, body?: unknown) =>
  fetch(`${baseUrl}${path}`, { method, headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })

async function connect(id: string, secret: string, extra: IClientOptions = {}): Promise<MqttClient | number> {
  const client = mqtt.connect(mqttUrl, { clientId: id, username: id, password: secret, clean: false, protocolVersion: 4, reconnectPeriod: 0, ...extra })
  return new Promise((resolve) => {
    client.once('connect', () => resolve(client))
    client.once('error', (error: Error & { code?: number }) => { client.end(true); resolve(error.code ?? -1) })
  })
}
async function connected(id: string, secret: string): Promise<MqttClient> {
  const c = await connect(id, secret)
  if (typeof c === 'number') throw new Error(`${id} refused with ${c}`)
  return c
}
const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()))

async function sendBatch(client: MqttClient, id: string, batchId: string): Promise<{ batchId: string; accepted: string[] }> {
  await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
  const receipt = new Promise<{ batchId: string; accepted: string[] }>((resolve) => client.on('message', (_t, p) => resolve(JSON.parse(p.toString()))))
  await client.publishAsync(`varde/v1/gateways/${id}/measurements`, JSON.stringify({
    batchId, sentAt: new Date().toISOString(),
    measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 80.1, unit: 'kg', measuredAt: new Date().toISOString() }],
  }), { qos: 1 })
  return receipt
}

describe('gateway provisioning by the admin API', () => {
  it('creates a gateway for a patient and shows its secret once; the gateway can then send readings', async () => {
    const res = await api(adminCookie, 'POST', '/api/admin/gateways', { patientId: newPatientId })
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const { id, secret } = (await res.json()) as { id: string; secret: string }
    expect(id).toMatch(/^gw-[0-9a-f]{12}$/)
    const list = (await (await api(adminCookie, 'GET', '/api/admin/gateways')).json()) as { items: Record<string, unknown>[] }
    const listed = list.items.find((g) => g.id === id)
    expect(listed).toMatchObject({ patientId: newPatientId, revokedAt: null, pairedDeviceIds: [] })
    expect(JSON.stringify(list)).not.toContain(secret)

    const gw = await connected(id, secret)
    expect(await sendBatch(gw, id, 'first')).toMatchObject({ batchId: 'first', accepted: ['m1'] })
    await gw.endAsync()
    expect(await countMeasurements(db.pool, { gatewayId: id })).toBe(1)
    const audit = await listAccessLog(db.pool, { tenantId: 'demo', limit: 20 })
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'admin', action: 'gateway.create', resourceId: id, patientId: newPatientId, outcome: 'allowed' }))

    expect((await api(adminCookie, 'POST', '/api/admin/gateways', { patientId: newPatientId })).status).toBe(409) // one active gateway per patient
    expect((await api(adminCookie, 'POST', '/api/admin/gateways', { patientId: homes[0]!.patientId, id: 'bad id' })).status).toBe(400)
  })

  it('rotates a secret: the connected gateway is cut off within a second, the old secret is refused, the new one works', async () => {
    const home = homes[1]!
    const gw = await connected(home.gatewayId, home.secret)
    const cut = closed(gw)
    const started = performance.now()
    const res = await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/rotate`)
    expect(res.status).toBe(200)
    const { secret } = (await res.json()) as { secret: string }
    await cut
    expect(performance.now() - started).toBeLessThan(1000)
    gw.end(true)
    expect(await connect(home.gatewayId, home.secret)).toBe(4)
    const fresh = await connected(home.gatewayId, secret)
    await fresh.endAsync()
  })

  it('revokes a gateway: disconnected within a second, refused from then on, and nothing more of it is stored', async () => {
    const home = homes[2]!
    const gw = await connected(home.gatewayId, home.secret)
    expect(await sendBatch(gw, home.gatewayId, 'before')).toMatchObject({ accepted: ['m1'] })
    const cut = closed(gw)
    const started = performance.now()
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/revoke`)).status).toBe(204)
    await cut
    expect(performance.now() - started).toBeLessThan(1000)
    gw.end(true)
    expect(await connect(home.gatewayId, home.secret)).toBe(4)
    expect(await countMeasurements(db.pool, { gatewayId: home.gatewayId })).toBe(1)
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/revoke`)).status).toBe(204) // idempotent
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/rotate`)).status).toBe(409)
    const audit = await listAccessLog(db.pool, { tenantId: 'demo', limit: 20 })
    expect(audit.filter((e) => e.action === 'gateway.revoke' && e.resourceId === home.gatewayId)).toHaveLength(1)
  })

  it('pairs and unpairs devices with the gateway\'s patient', async () => {
    const home = homes[3]!
    const res = await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/devices`, { deviceId: 'AA:BB:CC:00:11:99' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ gatewayId: home.gatewayId, deviceId: 'AA:BB:CC:00:11:99', pairedAt: expect.any(String) })
    expect((await findGatewayContext(db.pool, home.gatewayId))?.pairedDeviceIds.has('AA:BB:CC:00:11:99')).toBe(true)
    expect((await api(adminCookie, 'DELETE', `/api/admin/gateways/${home.gatewayId}/devices/${encodeURIComponent('AA:BB:CC:00:11:99')}`)).status).toBe(204)
    expect((await findGatewayContext(db.pool, home.gatewayId))?.pairedDeviceIds.size).toBe(0)
    expect((await api(adminCookie, 'POST', '/api/admin/gateways/no-such-gateway/devices', { deviceId: 'x' })).status).toBe(404)
  })

  it('refuses pairing a device already paired to another patient\'s gateway (409 device-paired-elsewhere) and pairs nothing', async () => {
    const [first, second] = [homes[6]!, homes[7]!]
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${first.gatewayId}/devices`, { deviceId: 'AA:BB:CC:17:DE:01' })).status).toBe(201)
    const res = await api(adminCookie, 'POST', `/api/admin/gateways/${second.gatewayId}/devices`, { deviceId: 'AA:BB:CC:17:DE:01' })
    expect(res.status).toBe(409)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('device-paired-elsewhere')
    expect((await findGatewayContext(db.pool, second.gatewayId))?.pairedDeviceIds.has('AA:BB:CC:17:DE:01')).toBe(false)
    // pairing it again where it is changes nothing and is no error
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${first.gatewayId}/devices`, { deviceId: 'AA:BB:CC:17:DE:01' })).status).toBe(201)
  })

  it('shows each gateway\'s state, battery, firmware, devices and last reading, and the rejections it sent with their raw input (audited)', async () => {
    const home = homes[8]!
    const gw = await connected(home.gatewayId, home.secret)
    await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/status`, JSON.stringify({ state: 'online', firmware: '1.7.3', battery: 64 }), { qos: 1, retain: true })
    await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
    const receipt = new Promise<{ rejected: { id: string; code: string }[] }>((resolve) => gw.on('message', (_t, p) => resolve(JSON.parse(p.toString()))))
    const measuredAt = new Date(Date.now() - 60_000).toISOString()
    await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({
      batchId: 'overview-1', sentAt: new Date().toISOString(),
      measurements: [
        { id: 'ok', deviceId: 'AA:BB:CC:17:0F:01', type: 'spo2', value: 96, unit: '%', measuredAt, battery: 41 },
        { id: 'bad', deviceId: 'AA:BB:CC:17:0F:01', type: 'body-weight', value: 982.4, unit: 'kg', measuredAt },
      ],
    }), { qos: 1 })
    expect((await receipt).rejected).toMatchObject([{ id: 'bad', code: 'out-of-range' }])
    await gw.endAsync()

    type Overview = { items: { id: string; patient: { id: string } | null; state: string; firmware: string | null; battery: number | null; lastReading: { type: string } | null; recentRejections: number; devices: { deviceId: string; battery: number | null; pairedAt: string | null; lastReadingAt: string | null; lastReadingType: string | null }[] }[] }
    let mine: Overview['items'][number] | undefined
    const deadline = Date.now() + 5000
    // the status is stored by ingest as it arrives: polled with a deadline
    while (Date.now() < deadline) {
      mine = ((await (await api(adminCookie, 'GET', '/api/admin/gateways/overview')).json()) as Overview).items.find((g) => g.id === home.gatewayId)
      if (mine?.firmware === '1.7.3') break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(mine).toMatchObject({
      patient: { id: home.patientId }, firmware: '1.7.3', battery: 64, lastReading: { type: 'spo2' }, recentRejections: 1,
      devices: [{ deviceId: 'AA:BB:CC:17:0F:01', battery: 41, pairedAt: null, lastReadingAt: expect.any(String), lastReadingType: 'spo2' }],
    })
    expect(JSON.stringify(mine)).not.toMatch(/"value"|"unit"/) // the reading's value is not the administrator's
    // a device paired that has sent nothing yet shows no last reading
    expect((await api(adminCookie, 'POST', `/api/admin/gateways/${home.gatewayId}/devices`, { deviceId: 'AA:BB:CC:17:0F:02' })).status).toBe(201)
    const silent = ((await (await api(adminCookie, 'GET', '/api/admin/gateways/overview')).json()) as Overview).items
      .find((g) => g.id === home.gatewayId)!.devices.find((d) => d.deviceId === 'AA:BB:CC:17:0F:02')
    expect(silent).toMatchObject({ pairedAt: expect.any(String), lastReadingAt: null, lastReadingType: null })

    const res = await api(adminCookie, 'GET', `/api/admin/gateways/${home.gatewayId}/rejections?limit=10`)
    expect(res.status).toBe(200)
    const { items, nextBefore } = (await res.json()) as { items: { code: string; measurementId: string; batchId: string; raw: string; rawEncoding: string }[]; nextBefore: number | null }
    expect(items).toMatchObject([{ code: 'out-of-range', measurementId: 'bad', batchId: 'overview-1', rawEncoding: 'text' }])
    expect(items[0]!.raw).toContain('982.4')
    expect(nextBefore).toBeNull()
    const audit = await listAccessLog(db.pool, { tenantId: 'demo', limit: 5 })
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'admin', action: 'gateway.rejections', resourceId: home.gatewayId, patientId: home.patientId, outcome: 'allowed' }))
    const other = await login('other-admin', 'other-pw')
    expect((await api(other, 'GET', `/api/admin/gateways/${home.gatewayId}/rejections`)).status).toBe(404)
  })

  it('is for a tenant\'s admin only: others get 403 (audited), another tenant\'s admin never finds our gateways', async () => {
    const nurse = await login('sykepleier')
    expect((await api(nurse, 'GET', '/api/admin/gateways')).status).toBe(403)
    expect((await api(nurse, 'POST', `/api/admin/gateways/${homes[4]!.gatewayId}/revoke`)).status).toBe(403)
    const denied = (await listAccessLog(db.pool, { tenantId: 'demo', limit: 10 })).filter((e) => e.actor === 'sykepleier' && e.action === 'gateway.admin')
    expect(denied).toHaveLength(2)
    expect(denied[0]).toMatchObject({ outcome: 'denied' })
    expect((await fetch(`${baseUrl}/api/admin/gateways`)).status).toBe(401)

    const other = await login('other-admin', 'other-pw')
    expect((await api(other, 'POST', `/api/admin/gateways/${homes[4]!.gatewayId}/revoke`)).status).toBe(404)
    expect((await api(other, 'POST', `/api/admin/gateways/${homes[4]!.gatewayId}/rotate`)).status).toBe(404)
    expect((await api(other, 'POST', '/api/admin/gateways', { patientId: homes[4]!.patientId })).status).toBe(404)
    expect(await (await api(other, 'GET', '/api/admin/gateways')).json()).toEqual({ items: [] })
    const still = await connected(homes[4]!.gatewayId, homes[4]!.secret)
    await still.endAsync()
  })
})

describe('broker metrics at /metrics', () => {
  it('shows connected gateways, messages in and out and refusals, from the broker\'s stats over MQTT', async () => {
    const home = homes[5]!
    expect(await connect(home.gatewayId, 'wrong-secret')).toBe(4)
    const gw = await connected(home.gatewayId, home.secret)
    await sendBatch(gw, home.gatewayId, 'metrics-1')
    const seen = await new Promise<BrokerStatsSnapshot>((resolve) => {
      const off = live.onBrokerStats((s) => { if (s.connectedGateways >= 1) { off(); resolve(s) } })
    })
    const text = await (await fetch(`${baseUrl}/metrics`)).text()
    const broker = `broker="${seen.brokerId}"`
    expect(text).toMatch(new RegExp(`^varde_broker_connected_gateways\\{${broker}\\} [1-9]`, 'm'))
    expect(text).toMatch(new RegExp(`^varde_broker_messages_in_total\\{${broker}\\} [1-9]`, 'm'))
    expect(text).toMatch(new RegExp(`^varde_broker_messages_out_total\\{${broker}\\} [1-9]`, 'm'))
    expect(text).toMatch(new RegExp(`^varde_broker_refusals_total\\{${broker},reason="auth"\\} [1-9]`, 'm'))
    expect(text).toContain('# TYPE varde_broker_refusals_total counter')
    await gw.endAsync()
  })
})
