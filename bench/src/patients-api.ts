import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createPool, hashSecret, listPatientsForUser, loadAdherenceDone, loadRuleOverrides, loadServicePauses, platformNow, type Pool } from '@varde/db'
import { adherence, classifyReading, planOccurrences, resolvePatientRules, type VitalType } from '@varde/domain'
import { freePort, spawnUntilReady, type BenchChild } from './ingest-children.js'

/**
 * Issue 20, "the list at 80–500 patients": the server's part of the time to
 * the list, GET /api/patients, for a nurse with 500 patients who each have a
 * month of readings (four vitals twice a day, weight each morning: about
 * 270 readings a patient, 135,000 in all), on the real platform (demo mode;
 * embedded database, broker and server each in a process, as bench:portal).
 *
 * The baseline, in the same run and on the same database: the list's
 * adherence as it was computed before (docs/decisions/0043): every reading
 * of the 30 days fetched (one row each) and each plan occurrence looked up
 * among them in JS, which took ~3.8 s of the answer's time at 500 patients.
 * The endpoint does it now in one statement that answers done/planned per
 * occurrence in the database; the bench prints both and the ratio, and that
 * both give the same adherence for every patient.
 *
 *   npm run bench:patients                   (about a minute)
 *   npm run bench:patients -- --runs 9 --patients 500 --json
 */
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    patients: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
    /** Also time the list's parts as the server runs them (the list statement, the adherence statement). */
    parts: { type: 'boolean', default: false },
  },
})
const runs = Number(args.runs)
const count = Number(args.patients)
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(count) || count < 1) {
  console.error('bench patients-api: --runs and --patients must be positive integers')
  process.exit(2)
}

/** GET /api/patients at 500 patients, server side (loopback), median: the target of issue 20's list on a quiet machine. */
export const BUDGET_MS = 300

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
const root = resolve(import.meta.dirname, '..', '..')
const FIRST = ['Kari', 'Ola', 'Ingrid', 'Per', 'Astrid', 'Knut', 'Solveig', 'Arne', 'Berit', 'Jon', 'Liv', 'Erling', 'Randi', 'Odd', 'Åse', 'Øystein']
const LAST = ['Nordmann', 'Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen', 'Berg', 'Haugen', 'Eriksen', 'Bakke', 'Lie']
const CONDITIONS = ['{copd}', '{heart-failure}', '{diabetes}', '{hypertension}', '{copd,heart-failure}', '{diabetes,hypertension}']

/** `count` patients of one nurse, followed for 40 days, each with a month of readings: one set-based statement per table. */
async function seed(pool: Pool): Promise<void> {
  const hash = await hashSecret('demo')
  const user = await pool.query<{ id: string }>(
    `INSERT INTO users (tenant_id, username, display_name, role, password_hash) VALUES ('demo', 'bench-list', 'Benk Liste', 'nurse', $1) RETURNING id`, [hash])
  const ids = Array.from({ length: count }, () => randomUUID())
  const names = ids.map((_, i) => `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i + 1}`)
  await pool.query(
    `INSERT INTO patients (id, tenant_id, display_name, birth_date, conditions, created_at)
     SELECT id, 'demo', name, date '1930-01-01' + (n::int * 37 % 9000), cond::text[], now() - interval '40 days'
       FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, name, cond, n)`,
    [ids, names, names.map((_, i) => CONDITIONS[i % CONDITIONS.length]!)],
  )
  await pool.query(
    `INSERT INTO care_team_members (tenant_id, patient_id, user_id, relation) SELECT 'demo', p, $2::uuid, 'home-care' FROM unnest($1::uuid[]) AS p`,
    [ids, user.rows[0]!.id],
  )
  // morning (08:10 Oslo, about) and evening sittings of four vitals for 30 days, weight each morning; one patient in five skips a sitting in four
  await pool.query(
    `INSERT INTO measurements (tenant_id, patient_id, gateway_id, device_id, batch_id, measurement_id, type, value, unit, measured_at, received_at, source)
     SELECT 'demo', p, 'bench-gw', 'AA:BB:CC:00:00:01', 'b-' || n || '-' || d || '-' || h, v.type || '-' || d || '-' || h, v.type, v.value, v.unit,
            at, at + interval '20 seconds', 'decoded'
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(p, n),
            generate_series(0, 29) AS d, (VALUES (7), (17)) AS s(h),
            LATERAL (SELECT date_trunc('day', now()) - d * interval '1 day' + h * interval '1 hour' + (n % 40) * interval '1 minute' AS at) a,
            LATERAL (VALUES ('spo2', 90 + (n + d) % 8, '%'), ('pulse', 60 + (n + d) % 40, '/min'), ('bp-systolic', 120 + (n + d) % 50, 'mm[Hg]'),
                            ('bp-diastolic', 70 + (n + d) % 25, 'mm[Hg]'), ('body-weight', 70 + n % 30, 'kg')) AS v(type, value, unit)
      WHERE at < now() AND (v.type <> 'body-weight' OR h = 7) AND NOT (n % 5 = 0 AND (d + h) % 4 = 0)`,
    [ids],
  )
}

/** GET /api/patients as the bench's nurse: each run's time (request → last byte). */
async function apiTimes(baseUrl: string, n: number): Promise<{ times: number[]; body: { items: Array<{ id: string; adherence?: unknown }> } }> {
  const login = await fetch(`${baseUrl}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-list', password: 'demo' }),
  })
  if (login.status !== 204) throw new Error(`login: ${login.status}`)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const times: number[] = []
  let body: { items: Array<{ id: string; adherence?: unknown }> } = { items: [] }
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    const res = await fetch(`${baseUrl}/api/patients`, { headers: { cookie } })
    body = (await res.json()) as typeof body
    times.push(performance.now() - start)
    if (res.status !== 200) throw new Error(`GET /api/patients: ${res.status}`)
  }
  return { times, body }
}

/**
 * The baseline: the list's facts as computed before (the list statement, then every reading of the 30 days as a row
 * and each plan occurrence looked up among them in JS); each run's time and the adherence of each patient.
 */
async function baselineTimes(pool: Pool, n: number): Promise<{ times: number[]; adherence: Map<string, unknown> }> {
  const user = (await pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'bench-list'`)).rows[0]!.id
  const times: number[] = []
  const out = new Map<string, unknown>()
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    const patients = await listPatientsForUser(pool, 'demo', user)
    const ids = patients.map((p) => p.id)
    const [overrides, pauses, now, created, readings] = await Promise.all([
      loadRuleOverrides(pool, ids), loadServicePauses(pool, ids), platformNow(pool),
      pool.query<{ id: string; created_at: Date }>('SELECT id, created_at FROM patients WHERE id = ANY($1::uuid[])', [ids]),
      pool.query<{ patient_id: string; type: string; measured_at: Date }>(
        `SELECT patient_id, type, measured_at FROM measurements WHERE patient_id = ANY($1::uuid[]) AND measured_at > varde_now() - make_interval(days => 31)`, [ids]),
    ])
    const started = new Map(created.rows.map((r) => [r.id, r.created_at]))
    const times30 = new Map<string, Record<string, Date[]>>()
    for (const r of readings.rows) {
      const per = times30.get(r.patient_id) ?? {}
      ;(per[r.type] ??= []).push(r.measured_at)
      times30.set(r.patient_id, per)
    }
    for (const p of patients) {
      const ruleSet = resolvePatientRules(p.conditions, overrides.get(p.id) ?? [])
      for (const [type, v] of Object.entries(p.latest)) classifyReading(ruleSet, { type: type as VitalType, value: v.value })
      const input = { ruleSet, measuredAt: times30.get(p.id) ?? {}, pauses: pauses.get(p.id) ?? [], serviceStartedAt: started.get(p.id)!, now }
      const d7 = adherence({ ...input, days: 7 })
      const d30 = adherence({ ...input, days: 30 })
      out.set(p.id, { days7: { done: d7.done, planned: d7.planned }, days30: { done: d30.done, planned: d30.planned } })
    }
    times.push(performance.now() - start)
  }
  return { times, adherence: out }
}

/** The list's statements alone, through the same wire gate (--parts): where the answer's time goes. */
async function partTimes(pool: Pool, n: number): Promise<void> {
  const user = (await pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'bench-list'`)).rows[0]!.id
  const list: number[] = []
  const done: number[] = []
  for (let i = 0; i < n; i++) {
    let start = performance.now()
    const patients = await listPatientsForUser(pool, 'demo', user)
    list.push(performance.now() - start)
    const now = await platformNow(pool)
    const occurrences = planOccurrences(resolvePatientRules(['copd', 'heart-failure', 'diabetes', 'hypertension'], []), now, 30)
    start = performance.now()
    await loadAdherenceDone(pool, patients.map((p) => p.id), 'Europe/Oslo', occurrences)
    done.push(performance.now() - start)
  }
  log(`parts: list statement ${median(list).toFixed(0)} ms, adherence statement ${median(done).toFixed(0)} ms`)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-patients-'))
  const [http, dbPort, mqttPort] = [await freePort(), await freePort(), await freePort()]
  const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`
  const baseUrl = `http://127.0.0.1:${http}`
  const common = {
    ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_DATA_DIR: dataDir, VARDE_SERVICE_SECRET: 'bench-service-secret-0123456789abcdef',
    VARDE_LOG_LEVEL: 'warn', VARDE_MQTTS_PORT: '0', VARDE_BIND_HOST: '127.0.0.1', VARDE_MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
  }
  const script = join(root, 'platform', 'dist', 'main.js')
  const children: BenchChild[] = []
  let pool: Pool | undefined
  try {
    log('starting the database, the broker and the server (demo mode, simulator off)')
    const start = async (name: string, env: NodeJS.ProcessEnv) =>
      children.push(await spawnUntilReady({ name, script, env: { ...common, ...env }, readyText: 'Varde is running' }))
    await start('database', { VARDE_PARTS: '', VARDE_DB_PORT: String(dbPort), VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0' })
    await start('broker', { VARDE_PARTS: 'broker', DATABASE_URL: databaseUrl, VARDE_MQTT_PORT: String(mqttPort), VARDE_HTTP_PORT: '0' })
    await start('server', { VARDE_PARTS: 'server', DATABASE_URL: databaseUrl, VARDE_HTTP_PORT: String(http), VARDE_MQTT_PORT: '0' })
    pool = createPool(databaseUrl, { max: 4 })
    log(`adding ${count} patients of one nurse, each with a month of readings`)
    await seed(pool)
    const readings = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM measurements')).rows[0]!.n)
    // one run of each first: the figures are steady state, not a first query plan's
    await apiTimes(baseUrl, 1)
    await baselineTimes(pool, 1)
    log(`GET /api/patients × ${runs}, then the baseline × ${runs}`)
    const now = await apiTimes(baseUrl, runs)
    const before = await baselineTimes(pool, runs)
    if (args.parts) await partTimes(pool, runs)
    const differ = now.body.items.filter((p) => JSON.stringify(p.adherence ?? null) !== JSON.stringify(before.adherence.get(p.id) ?? null)).length
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
      patients: now.body.items.length, readings, runs,
      apiMs: { median: median(now.times), all: now.times.map((t) => Math.round(t)) },
      baselineMs: { median: median(before.times), all: before.times.map((t) => Math.round(t)) },
      ratio: median(before.times) / median(now.times),
      adherenceDiffers: differ,
      budgetMs: BUDGET_MS,
    }
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      process.stdout.write([
        '',
        `bench:patients  ${result.date}  ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}; median of ${runs}`,
        `${result.patients} patients, ${readings} readings (a month each)`,
        `GET /api/patients now (server, loopback):            ${result.apiMs.median.toFixed(0)} ms  (${result.apiMs.all.join(', ')})`,
        `baseline, adherence from every reading in JS (before): ${result.baselineMs.median.toFixed(0)} ms  (${result.baselineMs.all.join(', ')}) — without the access log and JSON`,
        `ratio baseline ÷ now: ${result.ratio.toFixed(1)}×; adherence the same for ${result.patients - differ} of ${result.patients} patients`,
        result.apiMs.median <= BUDGET_MS ? `within budget (${BUDGET_MS} ms)` : `OVER BUDGET: ${result.apiMs.median.toFixed(0)} ms > ${BUDGET_MS} ms`,
        '',
      ].join('\n'))
    }
    process.exitCode = differ === 0 && result.apiMs.median <= BUDGET_MS ? 0 : 1
  } finally {
    await pool?.end()
    for (const child of children.reverse()) await child.stop(5_000)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
