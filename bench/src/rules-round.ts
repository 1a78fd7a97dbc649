import { createPool, migrate, seedDemoTenants, startEmbeddedDatabase, storeBatches, type BatchToStore, type Pool } from '@varde/db'
import { VITAL_TYPES, type Reading } from '@varde/domain'
import { startRuleWorker } from '@varde/ingest'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { pino } from 'pino'

/**
 * The rules round in isolation (the alert p99 under load, ADR 0041): one
 * process, one embedded database, ingest's rule worker as ingest runs it
 * (a pool of 2), 200 COPD patients with 14 days of SpO2 and pulse history
 * (their rules look back on it: the SpO2 baseline and NEWS2).
 *
 * 1. Rounds of 25 busy patients, each with one new reading: where a round's
 *    time goes (the worker's own split: load, evaluate, apply, announce), with
 *    the histories loaded whole (cold) and then kept (warm), and the event
 *    loop's longest delay meanwhile.
 * 2. A red reading stored while the periodic schedule and device check runs
 *    (pages of 50 monitored patients; 25 busy patients' readings stored at
 *    each page, as the alert bench's load does): the time from its store to
 *    its alert, the old way (the check runs to its last page before any
 *    round) and the new (a round between pages when readings came), side by
 *    side, with the ratio.
 *
 *   npm run bench:rules-round -- [--patients 200] [--every 60] [--reps 3]
 */
const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '200' },
    every: { type: 'string', default: '60' },
    reps: { type: 'string', default: '3' },
  },
})
const patientCount = Number(args.patients)
const everyMinutes = Number(args.every)
const reps = Number(args.reps)
const DAY = 86_400_000
const BENCH_TENANT = 'bench-rules'

interface RoundLog { event: string; ms: number; patients: number; urgent: number; loadMs: number; evaluateMs: number; applyMs: number; announceMs: number }

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-bench-rules-round-'))
  const embedded = await startEmbeddedDatabase({ dataDir: join(dataDir, 'db') })
  const db = createPool(embedded.url, { max: 2, applicationName: 'bench-rules-round' })
  try {
    await migrate(embedded.url, {})
    const demo = (await seedDemoTenants(db)).demo
    const patients = await provision(db, patientCount)
    const started = performance.now()
    await storeHistory(db, patients)
    log(`${patientCount} COPD patients, 14 days of SpO2 and pulse every ${everyMinutes} min, stored in ${Math.round((performance.now() - started) / 1000)} s`)

    // the worker's own account of each round, from its debug log
    const rounds: RoundLog[] = []
    const logger = pino({ level: 'debug' }, new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) {
          if (!line) continue
          const entry = JSON.parse(line) as RoundLog
          if (entry.event === 'round') rounds.push(entry)
        }
        done()
      },
    }))

    // 1. rounds of 25 busy patients
    const worker = startRuleWorker({ db, logger, sweepIntervalMs: 3_600_000, checkIntervalMs: 3_600_000 })
    await worker.drain()
    const loop = monitorEventLoopDelay({ resolution: 10 })
    const roundsOf = async (label: string, at: Date) => {
      rounds.length = 0
      await storeBatches(db, patients.map((p, i) => busyBatch(p, `${label}-${i}`, at)))
      loop.reset()
      loop.enable()
      worker.wake()
      await worker.drain()
      loop.disable()
      return { label, rounds: [...rounds], loopMaxMs: Math.max(0, Math.round(loop.max / 1e6 - 10)) }
    }
    const cold = await roundsOf('cold', new Date())
    const warm = await roundsOf('warm', new Date(Date.now() + 1000))
    await worker.stop()

    // 2. a red reading during the check, old way and new, alternating
    const waits: Record<'old' | 'new', { waitMs: number; checkMs: number }[]> = { old: [], new: [] }
    let next = 0
    for (let rep = 0; rep < reps; rep++) {
      for (const mode of ['old', 'new'] as const) {
        // a patient of its own each time: its alert opens (or is updated), either way one change to wait for
        const home = demo[next++ % demo.length]
        if (!home) throw new Error('no demo patient')
        waits[mode].push(await redDuringCheck(db, mode, home, patients, logger))
      }
    }

    const cpu = cpus()
    const out = [
      `Rules round, ${new Date().toISOString()}: ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`,
      `  ${patientCount} COPD patients with 14 days of history; rounds of 25 busy patients, one new reading each (ms: median / max over the rounds)`,
      ...[cold, warm].map((r) => `  ${(r.label === 'cold' ? 'histories loaded whole' : 'histories kept').padEnd(24)} ${split(r.rounds)}; event loop delay max ${r.loopMaxMs} ms`),
      `  a red reading stored during the schedule and device check (pages of 50; 25 busy patients' readings at each page):`,
      ...(['old', 'new'] as const).map((mode) => `    ${mode === 'old' ? 'old: the whole check first  ' : 'new: a round between pages  '} store → alert ${waits[mode].map((w) => w.waitMs).join(', ')} ms (check ${waits[mode].map((w) => w.checkMs).join(', ')} ms)`),
      `    ratio of the medians, old ÷ new: ${(med(waits.old.map((w) => w.waitMs)) / Math.max(1, med(waits.new.map((w) => w.waitMs)))).toFixed(1)}×`,
    ]
    process.stdout.write(`\n${out.join('\n')}\n`)
  } finally {
    await db.end()
    await embedded.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

interface BenchPatient { patientId: string; gatewayId: string }

async function provision(db: Pool, count: number): Promise<BenchPatient[]> {
  await db.query(`INSERT INTO tenants (id, name) VALUES ($1, 'Bench kommune')`, [BENCH_TENANT])
  await db.query(
    `INSERT INTO patients (tenant_id, display_name, conditions) SELECT $1, 'Bench patient ' || lpad(i::text, 5, '0'), '{copd}' FROM generate_series(1, $2) AS i`,
    [BENCH_TENANT, count],
  )
  const { rows } = await db.query<{ id: string; patient_id: string }>(
    `INSERT INTO gateways (id, tenant_id, patient_id, secret_hash)
     SELECT 'bench-rules-gw-' || right(display_name, 5), tenant_id, id, 'unused' FROM patients WHERE tenant_id = $1
     RETURNING id, patient_id`,
    [BENCH_TENANT],
  )
  return rows.map((r) => ({ patientId: r.patient_id, gatewayId: r.id })).sort((a, b) => a.gatewayId.localeCompare(b.gatewayId))
}

const reading = (measurementId: string, type: 'spo2' | 'pulse', value: number, at: Date): Reading => ({
  measurementId, deviceId: 'OX-1', type, value, unit: VITAL_TYPES[type].unit, originalValue: null, originalUnit: null,
  measuredAt: at, flags: [], battery: null, source: 'decoded',
})

/** 14 days, a batch a day per patient, received at the end of its day; the queue they leave is emptied (history, not news). */
async function storeHistory(db: Pool, patients: BenchPatient[]): Promise<void> {
  const end = Date.now() - 60_000
  for (let day = 14; day >= 1; day--) {
    const batches: BatchToStore[] = []
    for (const p of patients) {
      const readings: Reading[] = []
      for (let t = end - day * DAY, i = 0; t < end - (day - 1) * DAY; t += everyMinutes * 60_000, i++) {
        readings.push(reading(`d${day}-${i}`, 'spo2', 94 + (i % 4), new Date(t)), reading(`d${day}-${i}`, 'pulse', 68 + (i % 9), new Date(t)))
      }
      batches.push({ tenantId: BENCH_TENANT, patientId: p.patientId, gatewayId: p.gatewayId, batchId: `history-${day}`, receivedAt: new Date(end - (day - 1) * DAY), readings, rejections: [], conditions: ['copd'] })
    }
    for (let i = 0; i < batches.length; i += 50) await storeBatches(db, batches.slice(i, i + 50))
  }
  await db.query('DELETE FROM rule_work')
}

const busyBatch = (p: BenchPatient, batchId: string, at: Date): BatchToStore => ({
  tenantId: BENCH_TENANT, patientId: p.patientId, gatewayId: p.gatewayId, batchId, receivedAt: new Date(),
  readings: [reading('m1', 'spo2', 95, at), reading('m1', 'pulse', 72, at)], rejections: [], conditions: ['copd'],
})

async function redDuringCheck(
  db: Pool, mode: 'old' | 'new', home: { patientId: string; tenantId: string; gatewayId: string }, patients: BenchPatient[], logger: pino.Logger,
): Promise<{ waitMs: number; checkMs: number }> {
  let page = 0
  let storedAt = 0
  let alertAt = 0
  const tag = `${mode}-${Date.now()}`
  // the load: at each page of the check, 25 busy patients' readings are stored and the worker woken, as ingest would
  const paged = {
    query: async (text: string, values?: unknown[]) => {
      if (/FROM patients WHERE service_state <> 'ended'/.test(text)) {
        const at = new Date()
        const busy = patients.slice((page * 25) % patients.length, (page * 25) % patients.length + 25)
        await storeBatches(db, busy.map((p) => busyBatch(p, `${tag}-busy-${page}`, at)))
        if (++page === 2) {
          await storeBatches(db, [{
            tenantId: home.tenantId, patientId: home.patientId, gatewayId: home.gatewayId, batchId: `${tag}-red`, receivedAt: at,
            readings: [reading('m1', 'spo2', 79, at)], rejections: [],
          }])
          storedAt = performance.now()
        }
        worker.wake()
      }
      return db.query(text, values)
    },
  } as unknown as Pool
  const worker = startRuleWorker({
    db: paged, logger, checkPatients: 50, sweepIntervalMs: 3_600_000, checkIntervalMs: 3_600_000, roundsDuringCheck: mode === 'new',
    onChanged: (changed) => {
      if (alertAt === 0 && storedAt > 0 && changed.some((c) => c.patientId === home.patientId)) alertAt = performance.now()
    },
  })
  try {
    await worker.drain()
    const checkStarted = performance.now()
    await worker.checkNow()
    const checkMs = Math.round(performance.now() - checkStarted)
    await worker.drain()
    if (alertAt === 0) throw new Error(`the red reading raised no alert (${mode})`)
    return { waitMs: Math.round(alertAt - storedAt), checkMs }
  } finally {
    await worker.stop()
  }
}

function split(rounds: RoundLog[]): string {
  const part = (name: keyof RoundLog) => `${name.replace('Ms', '')} ${med(rounds.map((r) => r[name] as number))}/${Math.max(0, ...rounds.map((r) => r[name] as number))}`
  return `${rounds.length} rounds: total ${med(rounds.map((r) => r.ms))}/${Math.max(0, ...rounds.map((r) => r.ms))}, ${(['loadMs', 'evaluateMs', 'applyMs', 'announceMs'] as const).map(part).join(', ')}`
}

function med(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

main().catch((error: unknown) => {
  console.error(`bench rules-round failed: ${error instanceof Error ? error.stack : String(error)}`)
  process.exit(1)
})
