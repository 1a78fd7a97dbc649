import { createPool, enqueueReadingsBatches, type Pool } from '@varde/db'
import {
  fhirRestTransport, pmdTransport, startDeliveryWorker, startDemoReceiver, startPmdStandIn, staticTokenDpopAuth,
  type ForwardingTransport,
} from '@varde/forwarding'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { freePort, sampleProcess, spawnUntilReady, type BenchChild } from './ingest-children.js'

/**
 * Issue 18's forwarding bench: can forwarding keep up with 100,000 patients'
 * daily readings (about 2 million Observations a day, 23.1 a second)?
 * The whole day is provisioned at the real queue depth (a patient's 20
 * readings and one outbox row per patient and recipient, all pending at
 * once, as the daily scheduler leaves them), then the real delivery worker
 * drains the outbox for `--seconds` through each transport in turn, to a
 * local receiver: the PMD adapter (DPoP proof per request) to the PMD
 * stand-in (which verifies each proof and each entry), and FHIR REST to the
 * receiver built into demo mode. It prints Observations/s, deliveries/s and
 * the ratio to the required rate, all measured in this run.
 *
 *   npm run bench:forwarding                          (100,000 patients; a few minutes, most of it provisioning)
 *   npm run bench:forwarding -- --patients 10000 --seconds 20
 */
const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '100000' },
    readings: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    // the order of the phases: the second drains after the first's 100,000 settled rows (run both orders)
    order: { type: 'string', default: 'pmd,fhir-rest' },
    json: { type: 'boolean', default: false },
  },
})
const order = args.order.split(',')
if (order.length !== 2 || !order.includes('pmd') || !order.includes('fhir-rest')) {
  console.error('bench forwarding: --order must be pmd,fhir-rest or fhir-rest,pmd')
  process.exit(2)
}
const patients = Number(args.patients)
const perPatient = Number(args.readings)
const seconds = Number(args.seconds)
for (const [name, n] of Object.entries({ patients, readings: perPatient, seconds })) {
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`bench forwarding: --${name} must be a positive whole number`)
    process.exit(2)
  }
}
/** 100,000 patients × 20 readings a day, spread over the day's seconds. */
const REQUIRED_PER_S = (100_000 * 20) / 86_400
const TENANT = 'bench'
const DAY = { start: new Date('2026-11-30T23:00:00Z'), end: new Date('2026-12-01T23:00:00Z') }
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
const root = resolve(import.meta.dirname, '..', '..')
const quiet = pino({ level: 'error' })

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-forwarding-'))
  const dbPort = await freePort()
  const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`
  let database: BenchChild | undefined
  try {
    log('starting the database process (embedded, demo data, simulator off)')
    database = await spawnUntilReady({
      name: 'database', script: join(root, 'platform', 'dist', 'main.js'), readyText: 'Varde is running',
      env: { ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_PARTS: '', VARDE_DATA_DIR: dataDir, VARDE_DB_PORT: String(dbPort), VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_MQTTS_PORT: '0', VARDE_BIND_HOST: '127.0.0.1', VARDE_SERVICE_SECRET: 'bench-service-secret-0123456789abcdef', VARDE_LOG_LEVEL: 'warn' },
    })
    const db = createPool(databaseUrl, { max: 4, applicationName: 'bench-forwarding' })
    try {
      const t0 = Date.now()
      const { pmdId, fhirId } = await provision(db)
      log(`provisioned ${patients} patients, ${patients * perPatient} readings in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

      const runs = {
        pmd: async () => {
          const pmd = await startPmdStandIn()
          const auth = await staticTokenDpopAuth('bench-token')
          pmd.acceptToken(auth.token, auth.jkt)
          await db.query(`UPDATE forwarding_recipients SET sends_daily_readings = (id = $1) WHERE tenant_id = $2`, [pmdId, TENANT])
          try {
            return await phase(db, 'pmd', pmdId, pmdTransport({ auth }), pmd.url)
          } finally {
            await pmd.close()
          }
        },
        'fhir-rest': async () => {
          const receiver = await startDemoReceiver()
          await db.query(`UPDATE forwarding_recipients SET sends_daily_readings = (id = $1) WHERE tenant_id = $2`, [fhirId, TENANT])
          try {
            return await phase(db, 'fhir-rest', fhirId, fhirRestTransport(), receiver.url)
          } finally {
            await receiver.close()
          }
        },
      }
      const results = []
      for (const name of order) results.push(await runs[name as keyof typeof runs]())
      if (args.json) console.log(JSON.stringify({ patients, perPatient, seconds, requiredPerS: REQUIRED_PER_S, results }))
      console.log(`\nforwarding, ${patients} patients × ${perPatient} readings pending at once, ${seconds} s per transport (in this order), ${cpus().length} × ${cpus()[0]?.model ?? '?'}`)
      console.log(`required: 2,000,000 Observations a day = ${REQUIRED_PER_S.toFixed(1)}/s\n`)
      console.log('| transport → receiver | deliveries/s | Observations/s | ratio to required | a 100,000-patient day takes | DB process CPU |')
      console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
      for (const r of results) {
        console.log(`| ${r.name} | ${r.deliveriesPerS.toFixed(1)} | ${r.observationsPerS.toFixed(0)} | ${(r.observationsPerS / REQUIRED_PER_S).toFixed(1)}× | ${(2_000_000 / r.observationsPerS / 60).toFixed(0)} min | ${r.dbCpuPercent.toFixed(0)} % |`)
      }
    } finally {
      await db.end()
    }
  } finally {
    await database?.stop(5_000)
    rmSync(dataDir, { recursive: true, force: true })
  }

  async function phase(db: Pool, name: 'pmd' | 'fhir-rest', recipientId: string, transport: ForwardingTransport, baseUrl: string) {
    if (name === 'fhir-rest') await db.query(`UPDATE forwarding_recipients SET base_url = $2 WHERE id = $1`, [recipientId, baseUrl])
    // only this phase's recipient has work: the demo tenant's and the other phase's deliveries are set aside
    await db.query(`UPDATE forwarding_outbox SET status = 'cancelled', settled_at = now() WHERE status = 'pending'`)
    const enqueued = await enqueueReadingsBatches(db, DAY)
    log(`${name}: ${enqueued} deliveries pending; draining for ${seconds} s`)
    const delivered = async () => (await db.query<{ n: number; readings: number }>(
      `SELECT count(*)::int AS n FROM forwarding_outbox WHERE recipient_id = $1 AND status = 'delivered'`, [recipientId])).rows[0]?.n ?? 0
    const cpu0 = database ? sampleProcess(database.pid) : null
    const started = Date.now()
    const worker = startDeliveryWorker({
      db, log: quiet, transports: { [name]: transport }, pmdBaseUrl: baseUrl, demoBaseUrl: baseUrl, publicUrl: 'http://varde.bench',
      pollIntervalMs: 50, isSchedulerOn: false,
    })
    await new Promise((r) => setTimeout(r, seconds * 1000))
    await worker.stop()
    const elapsed = (Date.now() - started) / 1000
    const cpu1 = database ? sampleProcess(database.pid) : null
    const n = await delivered()
    const failed = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM forwarding_outbox WHERE recipient_id = $1 AND last_error IS NOT NULL`, [recipientId])).rows[0]?.n ?? 0
    if (failed) log(`${name}: ${failed} deliveries recorded an error`)
    const cpuS = cpu0 && cpu1 ? cpu1.cpuSeconds - cpu0.cpuSeconds : 0
    const result = { name: name === 'pmd' ? 'PMD → stand-in' : 'FHIR REST → demo receiver', delivered: n, elapsedS: elapsed, deliveriesPerS: n / elapsed, observationsPerS: (n * perPatient) / elapsed, dbCpuPercent: (100 * cpuS) / elapsed, failed }
    log(`${name}: ${n} deliveries (${n * perPatient} Observations) in ${elapsed.toFixed(1)} s`)
    return result
  }
}

/** The bench tenant: patients with national ids, a day of readings each, two recipients on every patient's team. */
async function provision(db: Pool): Promise<{ pmdId: string; fhirId: string }> {
  await db.query(`INSERT INTO tenants (id, name, municipality_number, organisation_number) VALUES ($1, 'Bench kommune', '0301', '123456785')`, [TENANT])
  await db.query(
    `INSERT INTO patients (tenant_id, display_name, national_id) SELECT $1, 'Bench patient ' || i, lpad(i::text, 11, '0') FROM generate_series(1, $2) AS i`,
    [TENANT, patients],
  )
  const types = [['spo2', '%', 96], ['pulse', '/min', 70], ['body-temperature', 'Cel', 36.8], ['respiratory-rate', '/min', 15], ['body-weight', 'kg', 80]]
  // in slices, so no statement holds the embedded database for long
  const ids = (await db.query<{ id: string }>(`SELECT id FROM patients WHERE tenant_id = $1 ORDER BY id`, [TENANT])).rows.map((r) => r.id)
  for (let i = 0; i < ids.length; i += 5_000) {
    await db.query(
      `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
       SELECT $1, p, 'bench-gw', 'AA', 'b-' || k, 'm-' || k, (t::jsonb)->>0, ((t::jsonb)->>2)::float8, (t::jsonb)->>1,
              $4::timestamptz + (k * interval '1 hour') + (row_number() OVER ()) * interval '1 microsecond', $4::timestamptz + (k * interval '1 hour') + interval '1 minute', 'decoded'
         FROM unnest($2::uuid[]) AS p, generate_series(0, $3 - 1) AS k, LATERAL (SELECT $5::jsonb -> (k % $6) AS t) AS x`,
      [TENANT, ids.slice(i, i + 5_000), perPatient, DAY.start, JSON.stringify(types), types.length],
    )
  }
  const recipient = async (name: string, transport: string, baseUrl: string | null, isOn: boolean) => (await db.query<{ id: string }>(
    `INSERT INTO forwarding_recipients (tenant_id, name, organisation_number, transport, base_url, sends_red_alerts, sends_daily_readings)
     VALUES ($1, $2, '994598759', $3, $4, false, $5) RETURNING id`, [TENANT, name, transport, baseUrl, isOn])).rows[0]!.id
  // the demo tenant's GP practice has its own queue; set aside so the figures are this bench's recipients alone
  await db.query(`UPDATE forwarding_recipients SET sends_daily_readings = false WHERE tenant_id <> $1`, [TENANT])
  const pmdId = await recipient('Pasientens måledata', 'pmd', null, true)
  const fhirId = await recipient('Bench sykehus', 'fhir-rest', 'http://127.0.0.1:9/fhir', false)
  for (const r of [pmdId, fhirId]) {
    await db.query(
      `INSERT INTO care_team_members (tenant_id, patient_id, relation, recipient_id, organisation_number, purpose_of_use, decision_reason)
       SELECT $1, id, 'hospital', $2, '994598759', 'COC', 'bench' FROM patients WHERE tenant_id = $1`, [TENANT, r])
  }
  return { pmdId, fhirId }
}

await main()
