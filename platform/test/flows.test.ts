import { loadPlatformConfig } from '@varde/config'
import { createPool, type Pool } from '@varde/db'
import { SimGateway } from '@varde/device-sim'
import { startPlatform, type RunningPlatform } from '../src/index.js'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 23's acceptance, from outside over HTTP and MQTT, against one platform
// (Node-RED starts once per process, and slowly): the editor and its admin
// API behind Varde's login, a flow deployed through the admin API raising an
// alert from a reading published over MQTT into the nurse's live inbox, and
// a flow that asks for another tenant's readings getting none.
const logger = pino({ level: 'silent' })
let dataDir: string
let platform: RunningPlatform
let db: Pool

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-flows-test-'))
  platform = await startPlatform(loadPlatformConfig({
    VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
    VARDE_SERVICE_SECRET: 'flows-test-secret-0123456789abcdef', VARDE_PARTS: 'broker,ingest,server,flows', VARDE_FLOWS_TENANT: 'demo',
  }), logger)
  db = createPool(platform.databaseUrl, { max: 1 })
}, 120_000)
afterAll(async () => {
  await db?.end()
  await platform?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

async function login(username: string): Promise<string> {
  const response = await fetch(`${platform.httpUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: platform.httpUrl }, body: JSON.stringify({ username, password: 'demo' }),
  })
  expect(response.status).toBe(204)
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

/** The status the server answers an upgrade to the editor's WebSocket with (101: let through). */
function upgradeStatus(cookie: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL('/flows/comms', platform.httpUrl)
    const req = httpRequest(url, {
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(cookie ? { cookie } : {}),
      },
    })
    req.on('upgrade', (response, socket) => { socket.destroy(); resolve(response.statusCode ?? 0) })
    req.on('response', (response) => { response.resume(); resolve(response.statusCode ?? 0) })
    req.on('error', reject)
    req.end()
  })
}

async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

interface StreamedAlert { id: string; patientId: string; rule: string; source: string | null; summary: string; measures: Record<string, number>; count: number }

/** The nurse's live inbox (/api/events), its `alert` events collected. */
async function alertStream(cookie: string): Promise<{ alerts: StreamedAlert[]; close(): Promise<void> }> {
  const abort = new AbortController()
  const response = await fetch(`${platform.httpUrl}/api/events`, { headers: { cookie }, signal: abort.signal })
  expect(response.status).toBe(200)
  const alerts: StreamedAlert[] = []
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let isOpen = false
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      text += decoder.decode(value, { stream: true })
      isOpen = true
      let end
      while ((end = text.indexOf('\n\n')) >= 0) {
        const event = text.slice(0, end)
        text = text.slice(end + 2)
        const data = /^data: (.*)$/m.exec(event)?.[1]
        if (/^event: alert$/m.test(event) && data) alerts.push((JSON.parse(data) as { alert: StreamedAlert }).alert)
      }
    }
  })()
  await until(() => isOpen, Boolean, 10_000, 'the stream opening')
  return { alerts, close: async () => { abort.abort(); await reading } }
}

const deploy = (cookie: string, flows: unknown[]) => fetch(`${platform.httpUrl}/flows/flows`, {
  method: 'POST',
  headers: { cookie, origin: platform.httpUrl, 'content-type': 'application/json', 'node-red-api-version': 'v1', 'node-red-deployment-type': 'full' },
  body: JSON.stringify(flows),
})

/** Presses an inject node's button through the admin API, once the deployed flows have started. */
const inject = (cookie: string, nodeId: string) => until(
  async () => (await fetch(`${platform.httpUrl}/flows/inject/${nodeId}`, { method: 'POST', headers: { cookie, origin: platform.httpUrl } })).status,
  (status) => status !== 404, 10_000, `the inject node ${nodeId}`,
).then((status) => expect(status).toBe(200))

/**
 * A deploy answers before the new flows have started: an unwired inject node
 * deployed with them answers its button once they have (404 until then).
 */
const readyProbe = (z: string) => ({ id: 'n00000000000ready', type: 'inject', z, props: [], repeat: '', once: false, wires: [] })
const deployed = async (cookie: string, flows: unknown[], z: string) => {
  expect((await deploy(cookie, [...flows, readyProbe(z)])).status).toBe(204)
  await inject(cookie, 'n00000000000ready')
}

/** Reading in (SpO2, live) → function (below 94 %) → raise alert: a flow-defined rule. */
const LOW_SPO2_FLOW = [
  { id: 'f0000000000000a1', type: 'tab', label: 'Lav SpO2' },
  { id: 'n0000000000000a1', type: 'varde-reading-in', z: 'f0000000000000a1', vitals: 'spo2', condition: '', historyDays: 0, live: true, wires: [['n0000000000000a2']] },
  {
    id: 'n0000000000000a2', type: 'function', z: 'f0000000000000a1', outputs: 1, wires: [['n0000000000000a3']],
    func: `const r = msg.payload
if (r.value >= 94) return null
msg.payload = { patientId: r.patientId, readingIds: [r.id], measures: { spo2: r.value },
  summary: { nb: 'SpO2 ' + r.value + ' % (flytens grense < 94 %)', en: 'SpO2 ' + r.value + ' % (the flow\\'s limit < 94 %)' } }
return msg`,
  },
  { id: 'n0000000000000a3', type: 'varde-raise-alert', z: 'f0000000000000a1', key: 'low-spo2', severity: 'yellow', wires: [[]] },
  // an integration's password, which must be stored encrypted
  {
    id: 'n0000000000000a4', type: 'http request', z: 'f0000000000000a1', method: 'POST', url: 'http://127.0.0.1:9/', authType: 'basic', ret: 'txt', wires: [[]],
    credentials: { user: 'varde', password: 'integration-password-42' },
  },
]

/** Inject (a patient id) → reading in (asked) → function (counts) → raise alert for `reportTo`: what a flow could read. */
const probeFlow = (reportTo: string) => [
  { id: 'f0000000000000b1', type: 'tab', label: 'Probe' },
  { id: 'n0000000000000b1', type: 'inject', z: 'f0000000000000b1', props: [], repeat: '', once: false, wires: [['n0000000000000b2']] },
  {
    id: 'n0000000000000b2', type: 'change', z: 'f0000000000000b1', wires: [['n0000000000000b3']],
    rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"patientId":"__PATIENT__","days":30}', tot: 'json' }],
  },
  { id: 'n0000000000000b3', type: 'varde-reading-in', z: 'f0000000000000b1', vitals: '', condition: '', historyDays: 0, live: false, wires: [['n0000000000000b4']] },
  {
    id: 'n0000000000000b4', type: 'function', z: 'f0000000000000b1', outputs: 1, wires: [['n0000000000000b5']],
    func: `msg.payload = { patientId: '${reportTo}', key: '__MARKER__', measures: { readings: msg.payload.length },
  summary: { nb: 'Probe: ' + msg.payload.length, en: 'Probe: ' + msg.payload.length } }
return msg`,
  },
  { id: 'n0000000000000b5', type: 'varde-raise-alert', z: 'f0000000000000b1', key: 'probe', severity: 'yellow', wires: [[]] },
]

describe('Node-RED at /flows/ (issue 23)', () => {
  it('answers 401 without a session and 403 to a nurse or another tenant\'s administrator, on the editor, its API and its WebSocket', async () => {
    expect((await fetch(`${platform.httpUrl}/flows/`)).status).toBe(401)
    expect((await fetch(`${platform.httpUrl}/flows/flows`)).status).toBe(401)
    expect(await upgradeStatus(null)).toBe(401)
    for (const username of ['sykepleier', 'nabo-admin']) {
      const cookie = await login(username)
      expect((await fetch(`${platform.httpUrl}/flows/`, { headers: { cookie } })).status).toBe(403)
      expect((await fetch(`${platform.httpUrl}/flows/flows`, { headers: { cookie } })).status).toBe(403)
      expect((await deploy(cookie, LOW_SPO2_FLOW)).status).toBe(403)
      expect(await upgradeStatus(cookie)).toBe(403)
    }
    const admin = await login('admin')
    expect(await upgradeStatus(admin)).toBe(101)
  })

  it('serves the editor to the tenant\'s administrator, with Varde\'s nodes in the palette and the host-reaching ones left out', async () => {
    const cookie = await login('admin')
    const page = await fetch(`${platform.httpUrl}/flows/`, { headers: { cookie } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Varde – flyter')
    const nodes = (await (await fetch(`${platform.httpUrl}/flows/nodes`, { headers: { cookie, accept: 'application/json' } })).json()) as { types: string[] }[]
    const types = nodes.flatMap((set) => set.types)
    expect(types).toEqual(expect.arrayContaining(['varde-reading-in', 'varde-alert-in', 'varde-raise-alert', 'varde-forward', 'varde-patient-lookup', 'function']))
    for (const excluded of ['exec', 'file', 'file in', 'tcp in', 'udp out', 'http in', 'mqtt in', 'websocket in']) expect(types).not.toContain(excluded)
  })

  it('raises an alert from a reading published over MQTT through a flow deployed with the admin API, live in the nurse\'s inbox', async () => {
    const admin = await login('admin')
    await deployed(admin, LOW_SPO2_FLOW, 'f0000000000000a1')
    const stored = await db.query<{ body: unknown[] }>(`SELECT body FROM flow_documents WHERE tenant_id = 'demo' AND name = 'flows'`)
    expect(stored.rows[0]?.body).toHaveLength(LOW_SPO2_FLOW.length + 1)
    // the deploy is in the access log, under the administrator
    const deployLog = await db.query(`SELECT 1 FROM audit_log WHERE actor = 'admin' AND action = 'flows.change' AND outcome = 'allowed'`)
    expect(deployLog.rowCount).toBeGreaterThan(0)
    // credentials: encrypted with VARDE_FLOWS_CREDENTIAL_SECRET before they reach the database
    const credentials = await db.query<{ body: Record<string, unknown> }>(`SELECT body FROM flow_documents WHERE tenant_id = 'demo' AND name = 'credentials'`)
    expect(Object.keys(credentials.rows[0]!.body)).toEqual(['$'])
    expect(JSON.stringify(credentials.rows[0]!.body)).not.toContain('integration-password-42')

    const nurse = await login('sykepleier')
    const inbox = await alertStream(nurse)
    const home = platform.demoHomes.find((h) => h.tenantId === 'demo')!
    const gw = new SimGateway({ gatewayId: home.gatewayId, secret: home.secret, mqttUrl: platform.mqttUrl })
    await gw.start()
    try {
      const receipt = await gw.sendBatch([{ id: 'flow-spo2-1', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 91, unit: '%', measuredAt: new Date(Date.now() - 30_000).toISOString() }])
      expect(receipt).toMatchObject({ accepted: ['flow-spo2-1'] })
      const alert = (await until(() => inbox.alerts.find((a) => a.rule === 'flow:f0000000000000a1'), Boolean, 20_000, 'the flow\'s alert in the inbox'))!
      expect(alert).toMatchObject({ patientId: home.patientId, source: 'Node-RED: Lav SpO2', measures: { spo2: 91 }, count: 1 })
      expect(alert.summary).toContain('flytens grense')
      // the same key again counts on the open alert (deduplicated), still through the inbox
      await gw.sendBatch([{ id: 'flow-spo2-2', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 90, unit: '%', measuredAt: new Date(Date.now() - 20_000).toISOString() }])
      await until(() => inbox.alerts.find((a) => a.id === alert.id && a.count === 2), Boolean, 20_000, 'the second finding counted')
      // each read of the flow is in the access log under its name
      const log = await db.query<{ actor: string; tenant_id: string }>(`SELECT actor, tenant_id FROM audit_log WHERE actor LIKE 'flows:%'`)
      expect(log.rows.some((r) => r.actor === 'flows:Lav SpO2' && r.tenant_id === 'demo')).toBe(true)
    } finally {
      await gw.stop()
      await inbox.close()
    }
  })

  it('gives a flow none of another tenant\'s readings, and its own tenant\'s', async () => {
    const admin = await login('admin')
    const home = platform.demoHomes.find((h) => h.tenantId === 'demo')!
    const neighbour = platform.demoHomes.find((h) => h.tenantId === 'nabo')!
    // a reading for each patient, so that both have something to read
    for (const h of [home, neighbour]) {
      const gw = new SimGateway({ gatewayId: h.gatewayId, secret: h.secret, mqttUrl: platform.mqttUrl })
      await gw.start()
      await gw.sendBatch([{ id: `probe-${h.tenantId}`, deviceId: 'AA:BB:CC:00:11:22', type: 'pulse', value: 70, unit: '/min', measuredAt: new Date(Date.now() - 10_000).toISOString() }])
      await gw.stop()
    }
    const probe = async (patientId: string, marker: string) => {
      const flows = JSON.parse(JSON.stringify(probeFlow(home.patientId)).replace('__PATIENT__', patientId).replace('__MARKER__', marker)) as unknown[]
      await deployed(admin, flows, 'f0000000000000b1')
      await inject(admin, 'n0000000000000b1')
      const row = await until(async () => (await db.query<{ last_finding: { measures: { readings: number } } }>(
        `SELECT last_finding FROM alerts WHERE tenant_id = 'demo' AND alert_key = $1`, [`flow:f0000000000000b1:${marker}`],
      )).rows[0], Boolean, 20_000, 'the probe\'s alert')
      return row!.last_finding.measures.readings
    }
    expect(await probe(home.patientId, 'probe-own')).toBeGreaterThan(0)
    expect(await probe(neighbour.patientId, 'probe-neighbour')).toBe(0)
    const neighbourLog = await db.query(`SELECT 1 FROM audit_log WHERE actor LIKE 'flows:%' AND patient_id = $1`, [neighbour.patientId])
    expect(neighbourLog.rowCount).toBe(0)
  })

  it('runs the shipped example flows, imported through the admin API: SMS after hours, the COPD rule, the daily adherence report', async () => {
    // the SMS gateway and the municipality's report inbox, stood in for by one local HTTP server
    const received: { path: string; body: Record<string, unknown> }[] = []
    const standIn: Server = createServer((req, res) => {
      let text = ''
      req.on('data', (chunk: Buffer) => { text += chunk.toString() })
      req.on('end', () => { received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> }); res.end('ok') })
    })
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve))
    const standInUrl = `http://127.0.0.1:${(standIn.address() as { port: number }).port}`
    const example = async (name: string) => JSON.parse(await readFile(fileURLToPath(new URL(`../../flows/examples/${name}`, import.meta.url)), 'utf8')) as { type: string; env?: { name: string; value: string }[] }[]
    const setEnv = (flow: { type: string; env?: { name: string; value: string }[] }[], values: Record<string, string>) => {
      for (const e of flow.find((n) => n.type === 'tab')!.env ?? []) if (values[e.name] !== undefined) e.value = values[e.name]!
      return flow
    }
    const sms = setEnv(await example('sms-red-alert-after-hours.json'), { SMS_GATEWAY_URL: `${standInUrl}/sms`, OFFICE_HOURS_START: '0', OFFICE_HOURS_END: '0' })
    const report = setEnv(await example('daily-adherence-report.json'), { REPORT_URL: `${standInUrl}/report` })
    const copd = await example('copd-spo2-pulse.json')
    const admin = await login('admin')
    await deployed(admin, [...sms, ...copd, ...report], 'c0bd000000000001')

    const demoHomes = platform.demoHomes.filter((h) => h.tenantId === 'demo')
    const copdHome = demoHomes.find((h) => h.conditions.includes('copd') && h !== demoHomes[0])!
    // seven days of the COPD patient's SpO2 and pulse, as stored readings
    for (let day = 1; day <= 5; day++) {
      for (const [type, value, unit] of [['spo2', 95, '%'], ['pulse', 72, '/min']] as const) {
        await db.query(
          `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
           VALUES ('demo', $1, $2, 'AA:BB:CC:00:11:22', $3, $3, $4, $5, $6, now() - make_interval(days => $7), now() - make_interval(days => $7), 'decoded')`,
          [copdHome.patientId, copdHome.gatewayId, `history-${day}-${type}`, type, value + (day % 2), unit, day],
        )
      }
    }
    const gw = new SimGateway({ gatewayId: copdHome.gatewayId, secret: copdHome.secret, mqttUrl: platform.mqttUrl })
    await gw.start()
    try {
      const at = new Date(Date.now() - 60_000).toISOString()
      await gw.sendBatch([
        { id: 'copd-spo2', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 91, unit: '%', measuredAt: at },
        { id: 'copd-pulse', deviceId: 'AA:BB:CC:00:11:23', type: 'pulse', value: 85, unit: '/min', measuredAt: at },
      ])
      const copdAlert = await until(async () => (await db.query<{ last_finding: { measures: Record<string, number>; summary: { nb: string } } }>(
        `SELECT last_finding FROM alerts WHERE patient_id = $1 AND alert_key = 'flow:c0bd000000000001:copd-spo2-pulse'`, [copdHome.patientId])).rows[0], Boolean, 20_000, 'the COPD rule\'s alert')
      expect(copdAlert!.last_finding.measures).toMatchObject({ spo2: 91, spo2Median7d: 96, pulse: 85, pulseMedian7d: 73 }) // medians of 96,95,96,95,96 and 73,72,73,72,73

      // a red alert (SpO2 80: red in every profile), after hours by the flow's settings: one SMS, without health data
      await gw.sendBatch([{ id: 'sms-spo2', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 80, unit: '%', measuredAt: new Date(Date.now() - 30_000).toISOString() }])
      const sms = await until(() => received.find((r) => r.path === '/sms'), Boolean, 20_000, 'the SMS at the gateway')
      expect(sms!.body).toMatchObject({ to: '+4799999999', text: expect.stringMatching(/^Varde: nytt rødt varsel\. Se innboksen: https:\/\/varde\.example\.kommune\.no\/alerts\/[0-9a-f-]{36}$/) })
    } finally {
      await gw.stop()
    }

    // the morning report, started now through the admin API rather than at 07:00
    await inject(admin, 'ad4e000000000002')
    const sent = await until(() => received.find((r) => r.path === '/report'), Boolean, 20_000, 'the report at the inbox')
    const patients = sent!.body.patients as { patientId: string; readings: number; vitals: Record<string, number> }[]
    expect(patients.find((p) => p.patientId === copdHome.patientId)).toMatchObject({ vitals: { spo2: expect.any(Number), pulse: expect.any(Number) } })
    expect(patients.every((p) => demoHomes.some((h) => h.patientId === p.patientId))).toBe(true)
    await new Promise((resolve) => standIn.close(resolve))
  })
})
