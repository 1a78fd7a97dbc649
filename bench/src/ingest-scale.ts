import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { migrate } from '@varde/db'
import { startPostgresServer, type PostgresServer } from '@varde/db/testing'
import pg from 'pg'
import { freePort, spawnUntilReady, type BenchChild } from './ingest-children.js'
import { countBenchReadings, provisionBenchGateways } from './ingest-provisioning.js'
import { runStage, type SaturatingLoad, type StageResult } from './ingest-stage.js'

/**
 * Issue 16: sustained measurements/s for 1, 2 and 3 ingest processes
 * (`VARDE_INGEST_PARTITION=k/n`, ingest/src/partition.ts) on a real
 * PostgreSQL server (Debian's, durable: fsync on), one broker, each count on
 * a fresh server and broker, in the order 1, 2, 3, 3, 2, 1 (so the drift of a
 * shared machine over the run falls on every count alike). Prints each run,
 * then per count the median and its ratio to the median of 1 process, and
 * each process's CPU per 1,000 measurements (what the capacity on paper in
 * deploy/README.md is computed from).
 *
 *   npm run bench:scale                       (about 3 minutes)
 *   npm run bench:scale -- --counts 1,2,3,4 --gateways 100 --batch 1 --seconds 10 --json
 *   npm run bench:scale -- --durable off --logs /tmp/logs    (fsync off: is it the commits' flush? each process's output)
 *   npm run bench:scale -- --rules off                       (storing and receipts alone, no rules worker)
 */
const PLATFORM_MAIN = fileURLToPath(new URL('../../platform/dist/main.js', import.meta.url))
/** startIngest as ingest/dist/main.js runs it, with the rules worker switchable (ingest-process.ts). */
const INGEST_PROCESS = fileURLToPath(new URL('./ingest-process.js', import.meta.url))
const SERVICE_SECRET = 'bench-scale-secret-0123456789abcdef'

const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '1,2,3,3,2,1' },
    gateways: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1' },
    'in-flight': { type: 'string' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    logs: { type: 'string' },
    durable: { type: 'string', default: 'on' },
    rules: { type: 'string', default: 'on' },
  },
})
const counts = (args.counts ?? '').split(',').map(Number)
if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
  console.error('bench scale: --counts must be comma-separated whole numbers 1 to 16')
  process.exit(2)
}
const gatewayCount = Number(args.gateways)
const batchSize = Number(args.batch)
const load: SaturatingLoad = {
  kind: 'saturate', batchSize, inFlightPerGateway: Number(args['in-flight'] ?? (batchSize === 1 ? 8 : 2)),
  warmupSeconds: 3, durationSeconds: Number(args.seconds), resendAfterMs: 15_000,
}
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

let runNumber = 0
/** `--logs DIR`: each process's output in DIR/<run>-<count>-<name>.log. */
const logFile = (n: number, name: string) => (args.logs ? join(args.logs, `${runNumber}-${n}-${name}.log`) : undefined)

interface CountRun {
  ingestProcesses: number
  result: StageResult
  storedReadings: number
}

async function runCount(n: number): Promise<CountRun> {
  runNumber++
  const dataDir = await mkdtemp(join(tmpdir(), 'varde-bench-scale-'))
  const children: BenchChild[] = []
  let server: PostgresServer | undefined
  try {
    server = await startPostgresServer({ isDurable: args.durable !== 'off' })
    const ownerUrl = await databaseOf(server.url)
    await migrate(ownerUrl, { logger: { info: () => {}, warn: () => {} } })
    const appUrl = await platformRoleUrl(server.url, ownerUrl)
    const mqttPort = await freePort()
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    const env = {
      ...process.env, VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_SERVICE_SECRET: SERVICE_SECRET, VARDE_LOG_LEVEL: 'info',
      DATABASE_URL: appUrl, VARDE_ALLOW_NO_TIMESCALEDB: 'true',
    }
    children.push(await spawnUntilReady({
      name: 'broker', script: PLATFORM_MAIN, readyText: 'Varde is running', logFile: logFile(n, 'broker'),
      env: { ...env, VARDE_PARTS: 'broker', VARDE_DATA_DIR: dataDir, VARDE_MQTT_PORT: String(mqttPort), VARDE_MQTTS_PORT: '0', VARDE_HTTP_PORT: '0' },
    }))
    for (let k = 0; k < n; k++) {
      children.push(await spawnUntilReady({
        name: `ingest-${k}`, script: INGEST_PROCESS, readyText: '"event":"ready"', logFile: logFile(n, `ingest-${k}`),
        env: { ...env, VARDE_MQTT_URL: mqttUrl, BENCH_RULES: args.rules === 'off' ? 'off' : 'on', ...(n > 1 ? { VARDE_INGEST_PARTITION: `${k}/${n}` } : {}) },
      }))
    }
    const gateways = await provisionBenchGateways(appUrl, gatewayCount)
    log(`${n} ingest: closed loop, ${load.inFlightPerGateway} batches of ${batchSize} in flight per gateway, ${gatewayCount} gateways`)
    const [cpu0, t0] = [clusterCpuSeconds(server), performance.now()]
    const result = await runStage(mqttUrl, gateways, children, load, (line) => log(`${n} ingest: ${line}`))
    // over the whole stage (warm-up and window): runStage's window marks are its own
    const postgresPercent = Math.round(((clusterCpuSeconds(server) - cpu0) / ((performance.now() - t0) / 1000)) * 100)
    result.usage.push({ name: 'postgresql*', cpuPercent: postgresPercent, peakRssBytes: 0 })
    log(`${n} ingest: ${result.acceptedPerSecond} measurements/s`)
    return { ingestProcesses: n, result, storedReadings: await countBenchReadings(appUrl) }
  } finally {
    for (const child of children.reverse()) await child.stop(0)
    await server?.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The `varde` database, owned by a role of its own (as deploy/README.md sets it up). */
async function databaseOf(superuserUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: superuserUrl })
  await admin.connect()
  try {
    await admin.query('CREATE ROLE varde_owner LOGIN')
    await admin.query('CREATE DATABASE varde OWNER varde_owner')
    await admin.query('CREATE ROLE varde_platform NOLOGIN')
  } finally {
    await admin.end()
  }
  const url = new URL(superuserUrl)
  url.username = 'varde_owner'
  url.pathname = '/varde'
  return url.toString()
}

/** The least-privileged login role the platform runs as (migration 0009). */
async function platformRoleUrl(superuserUrl: string, ownerUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: superuserUrl })
  await admin.connect()
  try {
    await admin.query('CREATE ROLE varde_app LOGIN IN ROLE varde_platform')
  } finally {
    await admin.end()
  }
  const url = new URL(ownerUrl)
  url.username = 'varde_app'
  return url.toString()
}

/**
 * CPU seconds of the whole PostgreSQL cluster: the postmaster (with its reaped
 * children) and every live child (backends, WAL writer, checkpointer), from
 * /proc. runStage samples only the processes it is given, and a backend is
 * a process of its own.
 */
function clusterCpuSeconds(server: PostgresServer): number {
  const postmaster = Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // f[1]: ppid; f[11..14]: utime, stime, cutime, cstime
      if (Number(entry) === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
      else if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12])
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100 // USER_HZ
}

const cell = (s: string | number, width: number) => String(s).padStart(width)
/** CPU per 1,000 measurements, in core-milliseconds: (cpu% / 100 cores) × 1000 ms ÷ (measurements/s ÷ 1000). */
const coreMsPer1000 = (cpuPercent: number | null, perSecond: number) => (cpuPercent === null || perSecond === 0 ? null : Math.round((cpuPercent * 10_000) / perSecond))

async function main(): Promise<void> {
  const started = new Date()
  const runs: CountRun[] = []
  for (const n of counts) runs.push(await runCount(n))
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  }
  const medians = new Map([...new Set(counts)].map((n) => [n, median(runs.filter((r) => r.ingestProcesses === n).map((r) => r.result.acceptedPerSecond))]))
  const base = medians.get(counts[0]!) ?? 1
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ started, cores: cpus().length, load, runs })}\n`)
    return
  }
  const lines = [
    `Varde ingest scale bench, ${started.toISOString()}: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    `PostgreSQL (Debian's, no TimescaleDB, fsync ${args.durable === 'off' ? 'off' : 'on'}), one broker (LevelDB), ${gatewayCount} gateways, closed loop: ${load.inFlightPerGateway} batches of ${batchSize} in flight per gateway, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s window; rules worker ${args.rules === 'off' ? 'off' : 'on'} in every ingest process`,
    '',
    `${'ingest processes'.padEnd(18)}${cell('measurements/s', 16)}${cell(`ratio to ${counts[0]} (median)`, 20)}${cell('re-sent', 9)}  CPU while measuring (100% = one core); core-ms per 1,000 measurements`,
  ]
  for (const r of runs) {
    const usage = r.result.usage.map((u) => `${u.name} ${u.cpuPercent ?? '?'}% (${coreMsPer1000(u.cpuPercent, r.result.acceptedPerSecond) ?? '?'})`).join(', ')
    lines.push(`${String(r.ingestProcesses).padEnd(18)}${cell(r.result.acceptedPerSecond.toLocaleString('en'), 16)}${cell(`${(r.result.acceptedPerSecond / base).toFixed(2)}×`, 20)}${cell(r.result.resends, 9)}  ${usage}`)
  }
  lines.push('', 'median per count:', ...[...medians].map(([n, m]) => `  ${n} ingest: ${Math.round(m).toLocaleString('en')} measurements/s, ${(m / base).toFixed(2)}× of ${counts[0]}`))
  lines.push('* the PostgreSQL cluster (all its processes) over warm-up and window; the others over the window')
  lines.push('', `stored readings per run (a check that what was receipted was stored): ${runs.map((r) => r.storedReadings.toLocaleString('en')).join(', ')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
