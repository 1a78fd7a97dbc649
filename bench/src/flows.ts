import { createBroker } from '@varde/broker'
import { createPool, countRuleWork, migrate, seedDemoTenants, startEmbeddedDatabase, storeBatches, type BatchToStore, type DemoHome, type Pool } from '@varde/db'
import { INTERNAL_TOPICS, measurementsStoredMessages, type MeasurementsStoredEvent, type Reading } from '@varde/domain'
import { connectFlowServices, startFlowAlertIntake, startFlowsRuntime } from '@varde/flows'
import { startRuleWorker } from '@varde/ingest'
import { servicePassword, serviceUsername } from '@varde/config'
import mqtt from 'mqtt'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'

/**
 * Issue 23's bench: what a municipality would pick for a rule. The same
 * readings judged twice, in one process against one embedded database: by
 * a Node-RED flow (reading in → function → raise alert, through Varde's
 * intake, one alert request per reading), and by the platform's own rules
 * engine (the rule worker, as ingest runs it). Throughput of each, in
 * readings per second from the moment the readings are announced (flows) or
 * the worker is woken (rules) until the last is judged, and the ratio.
 *
 *   npm run bench:flows                   (about a minute)
 *   npm run bench:flows -- --readings 2000
 */
const { values: args } = parseArgs({ options: { readings: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false } } })
const readingCount = Number(args.readings)
if (!Number.isInteger(readingCount) || readingCount < 10) {
  console.error('bench flows: --readings must be an integer of at least 10')
  process.exit(2)
}
const SERVICE_SECRET = 'bench-flows-secret-0123456789abcdef'
const logger = pino({ level: 'silent' })
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

/** Reading in (SpO2, live) → function (≤ 91 %) → raise alert: the rule a municipality would draw. */
const FLOW = [
  { id: 'bench0000000001', type: 'tab', label: 'Bench: lav SpO2' },
  { id: 'bench0000000002', type: 'varde-reading-in', z: 'bench0000000001', vitals: 'spo2', live: true, historyDays: 0, wires: [['bench0000000003']] },
  {
    id: 'bench0000000003', type: 'function', z: 'bench0000000001', outputs: 1, wires: [['bench0000000004']],
    func: `const r = msg.payload
if (r.value > 91) return null
msg.payload = { patientId: r.patientId, readingIds: [r.id], measures: { spo2: r.value },
  summary: { nb: 'SpO2 ' + r.value + ' %', en: 'SpO2 ' + r.value + ' %' } }
return msg`,
  },
  { id: 'bench0000000004', type: 'varde-raise-alert', z: 'bench0000000001', key: 'low-spo2', severity: 'red', wires: [[]] },
]

/** `count` low SpO2 readings over the demo tenant's homes, spread over the last 20 hours (new to the rules). */
async function storeReadings(db: Pool, homes: DemoHome[], count: number, tag: string): Promise<MeasurementsStoredEvent[]> {
  const now = Date.now()
  const perHome = Math.ceil(count / homes.length)
  const batches: BatchToStore[] = homes.map((h, k) => ({
    gatewayId: h.gatewayId, tenantId: h.tenantId, patientId: h.patientId, batchId: `${tag}-${k}`, receivedAt: new Date(), rejections: [],
    readings: Array.from({ length: Math.max(0, Math.min(perHome, count - k * perHome)) }, (_, i): Reading => ({
      measurementId: `${tag}-${k}-${i}`, deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 86 + (i % 5), unit: '%',
      originalValue: null, originalUnit: null, measuredAt: new Date(now - 20 * 3600_000 + i * 1000 + k), flags: [], battery: null, source: 'decoded',
    })),
  })).filter((b) => b.readings.length > 0)
  const stored = await storeBatches(db, batches)
  return batches.map((b, k) => ({
    tenantId: b.tenantId!, patientId: b.patientId!, gatewayId: b.gatewayId,
    readings: b.readings.map((r, i) => ({ id: stored.readingIds[k]![i]!, type: r.type, value: r.value, unit: r.unit, measuredAt: r.measuredAt.toISOString(), flags: [] }))
      .filter((r) => r.id !== ''),
  }))
}

async function until(read: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-flows-'))
  const embedded = await startEmbeddedDatabase({ dataDir: join(dataDir, 'db') })
  await migrate(embedded.url, {})
  const db = createPool(embedded.url, { max: 4 })
  const homes = (await seedDemoTenants(db)).demo
  const broker = await createBroker({ db, logger, serviceSecret: SERVICE_SECRET, mode: 'demo' })
  const mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
  const services = connectFlowServices({ db, tenantId: 'demo', mqttUrl, serviceSecret: SERVICE_SECRET, logger })
  const intake = startFlowAlertIntake({ db, tenantId: 'demo', mqttUrl, serviceSecret: SERVICE_SECRET, logger })
  await Promise.all([services.ready, intake.ready])
  const runtime = await startFlowsRuntime({ db, tenantId: 'demo', credentialSecret: SERVICE_SECRET, services: services.services, userDir: join(dataDir, 'flows'), logger })
  // the admin API, as the platform's route hands it requests (no session here: this is the bench's own process)
  const http = createServer((req, res) => runtime.handle(req, res, 'bench'))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const adminUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/flows`
  const deployed = await fetch(`${adminUrl}/flows`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'node-red-api-version': 'v1', 'node-red-deployment-type': 'full' }, body: JSON.stringify(FLOW),
  })
  if (deployed.status !== 204) throw new Error(`deploy answered ${deployed.status}`)
  const ingest = await mqtt.connectAsync(mqttUrl, { username: serviceUsername('ingest'), password: servicePassword(SERVICE_SECRET, 'ingest') })
  try {
    // Node-RED: the stored readings announced as ingest announces them, until the intake has taken every alert request
    const events = await storeReadings(db, homes, readingCount, 'flows')
    await db.query('DELETE FROM rule_work')
    const flowReadings = events.reduce((n, e) => n + e.readings.length, 0)
    log(`Node-RED: ${flowReadings} readings of ${events.length} patients`)
    const t0 = performance.now()
    for (const message of measurementsStoredMessages(events)) await ingest.publishAsync(INTERNAL_TOPICS.measurementsStored, message, { qos: 1 })
    await until(() => intake.stats().accepted + intake.stats().refused >= flowReadings, 600_000, 'the flow\'s alerts')
    const flowSeconds = (performance.now() - t0) / 1000
    if (intake.stats().refused > 0) throw new Error(`${intake.stats().refused} flow alerts refused`)

    // the rules engine: the same number of readings, queued as ingest queues them, judged by the rule worker
    const ruleEvents = await storeReadings(db, homes, readingCount, 'rules')
    const ruleReadings = ruleEvents.reduce((n, e) => n + e.readings.length, 0)
    log(`rules engine: ${ruleReadings} readings of ${ruleEvents.length} patients`)
    const t1 = performance.now()
    const worker = startRuleWorker({ db, logger })
    await until(async () => (await countRuleWork(db)) === 0, 600_000, 'the rule worker')
    const ruleSeconds = (performance.now() - t1) / 1000
    await worker.stop()

    const result = {
      readings: readingCount,
      nodeRed: { seconds: round(flowSeconds), readingsPerSecond: round(flowReadings / flowSeconds) },
      rulesEngine: { seconds: round(ruleSeconds), readingsPerSecond: round(ruleReadings / ruleSeconds) },
      ratio: round((ruleReadings / ruleSeconds) / (flowReadings / flowSeconds)),
    }
    if (args.json) console.log(JSON.stringify({ benchFlows: result }))
    else {
      console.log(`readings judged         ${readingCount} (SpO2 86–90 %, ${homes.length} patients)`)
      console.log(`Node-RED flow           ${result.nodeRed.readingsPerSecond} readings/s (${result.nodeRed.seconds} s): reading in → function → raise alert → intake`)
      console.log(`platform rules engine   ${result.rulesEngine.readingsPerSecond} readings/s (${result.rulesEngine.seconds} s): the rule worker`)
      console.log(`ratio                   the rules engine is ${result.ratio}× the flow's throughput`)
    }
  } finally {
    await ingest.endAsync()
    http.close()
    await runtime.stop()
    await intake.close()
    await services.close()
    await broker.close()
    await db.end()
    await embedded.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const round = (n: number) => Math.round(n * 100) / 100

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
