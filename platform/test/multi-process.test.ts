import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { partitionOf } from '@varde/domain'
import mqtt, { type MqttClient } from 'mqtt'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 16, "Several processes": the stack of deploy/README.md as a fresh clone
// starts it (node deploy/run-local.mjs, what deploy/compose.yaml runs): Debian's
// PostgreSQL, Redis, 2 brokers behind a TCP load balancer, 3 ingest processes
// (each answering its partition of the gateways), 2 servers; every part its own
// process, and a forwarding worker. Gateways spread over both brokers and the balancer.
const RUN_LOCAL = fileURLToPath(new URL('../../deploy/run-local.mjs', import.meta.url))
const INGEST_PROCESSES = 3
const GATEWAYS = Array.from({ length: 12 }, (_, i) => `demo-gw-${String(i + 1).padStart(3, '0')}`)
const BATCHES = 10
const READINGS = 5

interface Stack {
  dir: string
  mqttUrl: string
  brokerUrls: string[]
  serverUrls: string[]
  databaseOwnerUrl: string
}

let dir: string
let runLocal: ChildProcess
let closed: Promise<number | null>
let stack: Stack
let db: pg.Client
const gateways = new Map<string, { client: MqttClient; receipts: Array<{ batchId: string; accepted: string[]; duplicate: string[]; rejected: unknown[] }> }>()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'varde-multi-'))
  runLocal = spawn(process.execPath, [RUN_LOCAL, '--json', '--http-port', '0', '--mqtt-port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  closed = new Promise((resolve) => runLocal.once('close', resolve))
  let err = ''
  runLocal.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
  stack = await new Promise<Stack>((resolve, reject) => {
    let out = ''
    runLocal.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('{"vardeStack"'))
      if (line) resolve((JSON.parse(line) as { vardeStack: Stack }).vardeStack)
    })
    void closed.then((code) => reject(new Error(`run-local exited (${code}) before the stack ran:\n${err.slice(-3000)}`)))
  })
  db = new pg.Client({ connectionString: stack.databaseOwnerUrl })
  await db.connect()
  // gateways spread: broker 0, broker 1, the load balancer, in turn
  const entry = [stack.brokerUrls[0]!, stack.brokerUrls[1]!, stack.mqttUrl]
  await Promise.all(GATEWAYS.map(async (id, i) => {
    const client = await mqtt.connectAsync(entry[i % entry.length]!, {
      clientId: id, username: id, password: `${id}-secret`, protocolVersion: 4, clean: true, reconnectPeriod: 0,
    })
    const receipts: (typeof gateways extends Map<string, infer G> ? G : never)['receipts'] = []
    client.on('message', (_topic, payload) => receipts.push(JSON.parse(payload.toString())))
    await client.subscribeAsync(`varde/v1/gateways/${id}/receipts`, { qos: 1 })
    gateways.set(id, { client, receipts })
  }))
}, 180_000)

afterAll(async () => {
  await Promise.all([...gateways.values()].map((g) => g.client.endAsync()))
  await db?.end()
  if (runLocal && runLocal.exitCode === null) {
    runLocal.kill('SIGTERM')
    expect(await closed).toBe(0)
  }
  await rm(dir, { recursive: true, force: true })
}, 60_000)

/** Polls `read` until `isDone` holds; fails with the last value after `ms`. */
async function until<T>(read: () => Promise<T> | T, isDone: (value: T) => boolean, ms = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (isDone(value)) return value
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms: ${JSON.stringify(value).slice(0, 500)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const t0 = Date.now() - 3_600_000
const batch = (gi: number, b: number) => JSON.stringify({
  batchId: `mp-${b}`, sentAt: new Date().toISOString(),
  measurements: Array.from({ length: READINGS }, (_, m) => ({
    id: `m${m}`, deviceId: 'AA:BB:CC:00:11:22', type: 'pulse', value: 70 + m, unit: '/min',
    // distinct per reading: the same reading at the same time is a duplicate (device-protocol.md, Delivery)
    measuredAt: new Date(t0 + ((gi * BATCHES + b) * READINGS + m) * 1000).toISOString(),
  })),
})

/** An SSE stream of /api/events, its `alert` events collected. */
async function alertStream(serverUrl: string): Promise<{ alerts: Array<{ id: string; patientId: string; rule: string }>; close(): Promise<void> }> {
  const login = await fetch(`${serverUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: serverUrl }, body: JSON.stringify({ username: 'sykepleier', password: 'demo' }),
  })
  expect(login.status).toBe(204)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const abort = new AbortController()
  const response = await fetch(`${serverUrl}/api/events`, { headers: { cookie }, signal: abort.signal })
  expect(response.status).toBe(200)
  const alerts: Array<{ id: string; patientId: string; rule: string }> = []
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
        if (/^event: alert$/m.test(event) && data) alerts.push((JSON.parse(data) as { alert: { id: string; patientId: string; rule: string } }).alert)
      }
    }
  })()
  // the stream is subscribed once its first comment arrived
  await until(() => isOpen, Boolean, 10_000, 'the stream opening')
  return { alerts, close: async () => { abort.abort(); await reading } }
}

describe('the multi-process stack (2 brokers on Redis, 3 ingest, 2 servers, one PostgreSQL)', () => {
  it('spreads the gateways over all three ingest processes', () => {
    expect(new Set(GATEWAYS.map((id) => partitionOf(id, INGEST_PROCESSES))).size).toBe(INGEST_PROCESSES)
  })

  it('stores every reading exactly once and answers every batch with one receipt, whichever broker a gateway is on', async () => {
    await Promise.all(GATEWAYS.map(async (id, gi) => {
      const { client } = gateways.get(id)!
      for (let b = 0; b < BATCHES; b++) await client.publishAsync(`varde/v1/gateways/${id}/measurements`, batch(gi, b), { qos: 1 })
    }))
    const total = GATEWAYS.length * BATCHES
    await until(() => [...gateways.values()].reduce((n, g) => n + g.receipts.length, 0), (n) => n >= total, 45_000, 'every receipt')
    for (const [, g] of gateways) {
      expect(g.receipts.map((r) => r.batchId).sort()).toEqual(Array.from({ length: BATCHES }, (_, b) => `mp-${b}`).sort())
      for (const r of g.receipts) expect(r).toMatchObject({ accepted: ['m0', 'm1', 'm2', 'm3', 'm4'], duplicate: [], rejected: [] })
    }
    const stored = await db.query<{ n: string; distinct: string }>(
      `SELECT count(*) AS n, count(DISTINCT (gateway_id, batch_id, measurement_id)) AS distinct FROM measurements WHERE batch_id LIKE 'mp-%'`)
    expect(stored.rows[0]).toEqual({ n: String(total * READINGS), distinct: String(total * READINGS) })
  })

  it('judges the rules once per patient (the rule_work queue shared by three workers) and shows each alert live on both servers', async () => {
    // everything stored so far judged: the queue empties (three workers claim from it with SKIP LOCKED)
    await until(async () => Number((await db.query('SELECT count(*) AS n FROM rule_work')).rows[0].n), (n) => n === 0, 30_000, 'an empty rule_work queue')
    const streams = await Promise.all(stack.serverUrls.map(alertStream))
    const patients = new Map((await db.query<{ id: string; patient_id: string }>('SELECT id, patient_id FROM gateways')).rows.map((r) => [r.id, r.patient_id]))
    // every patient at once: a red SpO2 of 81 % (red for every condition: NEWS2 scale 1 and the COPD scale)
    const at = new Date(Date.now() - 60_000).toISOString()
    await Promise.all(GATEWAYS.map((id) => gateways.get(id)!.client.publishAsync(`varde/v1/gateways/${id}/measurements`, JSON.stringify({
      batchId: 'mp-red', sentAt: new Date().toISOString(),
      measurements: [{ id: 'red', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 81, unit: '%', measuredAt: at }],
    }), { qos: 1 })))
    const expected = GATEWAYS.map((id) => patients.get(id)!).sort()
    const spo2On = (s: (typeof streams)[number]) => [...new Set(s.alerts.filter((a) => a.rule === 'threshold:spo2').map((a) => a.patientId))].sort()
    for (const s of streams) await until(() => spo2On(s), (seen) => seen.length === expected.length, 30_000, 'every SpO2 alert on the stream')
    for (const s of streams) expect(spo2On(s)).toEqual(expected)
    await Promise.all(streams.map((s) => s.close()))

    // one alert per patient, opened once and never updated: no two workers judged the same readings
    const judged = await db.query<{ patient_id: string; alerts: string; opened: string; updated: string }>(`
      SELECT a.patient_id, count(DISTINCT a.id) AS alerts,
             count(*) FILTER (WHERE e.kind = 'opened') AS opened, count(*) FILTER (WHERE e.kind = 'updated') AS updated
        FROM alerts a JOIN alert_events e ON e.alert_id = a.id
       WHERE a.rule_id = 'threshold:spo2' GROUP BY a.patient_id ORDER BY a.patient_id`)
    expect(judged.rows).toEqual(expected.map((patient_id) => ({ patient_id, alerts: '1', opened: '1', updated: '0' })))
    // and each batch, the red ones too, had exactly one receipt: one ingest process answers each gateway
    const redReceipts = () => [...gateways.values()].filter((g) => g.receipts.some((r) => r.batchId === 'mp-red')).length
    await until(redReceipts, (n) => n === GATEWAYS.length, 10_000, 'the red batches\' receipts')
    for (const [, g] of gateways) expect(g.receipts.map((r) => r.batchId).filter((b) => b === 'mp-red')).toEqual(['mp-red'])
    // its own deadlines (30 s for the queue, 30 s a stream, 10 s the receipts) say which step failed, not the runner's 30 s
  }, 120_000)

  it('forwards the red alert of a patient on the GP\'s care team from the forwarding process (compose: forwarding-1), once', async () => {
    // Kari Nordmann (demo-gw-001) has the demo GP practice as a recipient: red alerts at once (platform-contract.md
    // "Forwarding (demo mode)"); the previous test made her SpO2 alert red. The forwarding process's built-in receiver answers.
    const kari = (await db.query<{ patient_id: string }>(`SELECT patient_id FROM gateways WHERE id = 'demo-gw-001'`)).rows[0]!.patient_id
    const delivered = await until(async () => (await db.query<{ status: string; attempts: number }>(`
      SELECT o.status, o.attempts FROM forwarding_outbox o JOIN alerts a ON a.id = o.alert_id
       WHERE o.kind = 'alert' AND o.patient_id = $1 AND a.rule_id = 'threshold:spo2'`, [kari])).rows,
    (rows) => rows.length > 0 && rows.every((r) => r.status !== 'pending'), 30_000, 'the GP\'s delivery of Kari\'s red alert')
    expect(delivered).toEqual([{ status: 'delivered', attempts: 1 }])
  }, 60_000)

  it('shows the whole stack in every server\'s /metrics: both brokers, the rules queue, the open alerts (deploy/prometheus)', async () => {
    for (const url of stack.serverUrls) {
      const text = await until(async () => (await fetch(`${url}/metrics`)).text(), (t) => /^varde_broker_instances 2$/m.test(t), 15_000, `both brokers in ${url}/metrics`)
      const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1])
      expect(value('varde_up{part="database"}')).toBe(1)
      expect(value('varde_up{part="ingest"}')).toBe(1)
      expect(value('varde_rule_queue_patients')).toBe(0)
      expect(value('varde_alerts_open{severity="red"}')).toBe(GATEWAYS.length)
      // the three ingest processes (each with its outbox relay, docs/decisions/0011) and two servers, each connected
      // through one broker or the other; the brokers report their counts every few seconds
      const services = (t: string) => [...t.matchAll(/^varde_broker_connected_services\{broker="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
      const expected = INGEST_PROCESSES * 2 + stack.serverUrls.length
      const counted = await until(async () => services(await (await fetch(`${url}/metrics`)).text()), (n) => n === expected, 15_000, `${expected} services in ${url}/metrics`)
      expect(counted).toBe(expected)
      // every metric the alert rules and the dashboard use is exported, but the placeholders marked so in both
      // (ingest's stats, alert latency, the forwarding outbox: deploy/README.md "Monitoring")
      const used = new Set<string>()
      for (const file of ['../../deploy/prometheus/alerts.yml', '../../deploy/grafana/varde-dashboard.json']) {
        for (const m of (await readFile(fileURLToPath(new URL(file, import.meta.url)), 'utf8')).matchAll(/\b(varde_[a-z_]+|process_resident_memory_bytes)\b/g)) used.add(m[1]!)
      }
      const placeholder = /^varde_(ingest_|alert_latency_|outbox_)/
      const missing = [...used].filter((name) => !placeholder.test(name) && !new RegExp(`^${name}[{ ]`, 'm').test(text))
      expect(missing).toEqual([])
      expect([...used].filter((name) => placeholder.test(name)).length).toBeGreaterThan(0)
    }
  })
})
