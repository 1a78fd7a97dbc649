import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, sampleProcess, spawnUntilReady, type BenchChild } from './ingest-children.js'
import { countBenchReadings, provisionBenchGateways } from './ingest-provisioning.js'
import { describeLoad, runStage, type StageLoad, type StageResult } from './ingest-stage.js'

const PLATFORM_MAIN = fileURLToPath(new URL('../../platform/dist/main.js', import.meta.url))
const CONSUMERS = {
  varde: { name: 'ingest', script: fileURLToPath(new URL('./ingest-process.js', import.meta.url)), command: 'node bench/dist/ingest-process.js' },
  naive: { name: 'naive-ingest', script: fileURLToPath(new URL('./naive-ingest.js', import.meta.url)), command: 'node bench/dist/naive-ingest.js' },
} as const
const SERVICE_SECRET = 'bench-service-secret-0123456789abcdef'

export type Contender = 'varde' | 'naive'

export interface PhaseOptions {
  gateways: number
  /** Run before the latency stage, not reported. */
  warmup: StageLoad | null
  latency: StageLoad
  /** Sustained throughput, one stage per batch size, one after the other on one platform. */
  sustained: StageLoad[]
  /** Run only these (`--stage`, with `--only`: while working on one figure); unset: both. */
  stage?: 'latency' | 'sustained' | undefined
  /** Directory for V8 CPU profiles of the processes under test (`--cpu-prof`); unset: no profiling. */
  cpuProfileDir?: string | undefined
  /** Varde's rules worker (issue 5) beside ingest; the naive consumer runs no rules. */
  isRulesOn: boolean
  /** Where the database and the broker run: two processes (`split`) or one, as `npm start` (`shared`). */
  layout: 'split' | 'shared'
  /** Directory for the output of the processes under test (`--logs`); unset: only the last lines, on failure. */
  logDir?: string | undefined
  log: (line: string) => void
}

export interface PlatformRun {
  /** The processes under test, how they were started, and their VmHWM (the most resident memory they ever had) at the end. */
  processes: { name: string; command: string; peakRssBytes: number }[]
  /** Readings in the database for the bench tenant at the end (≥ accepted measurements: one GATT value may hold several). */
  storedReadings: number
}

export interface PhaseResult {
  contender: Contender
  latency: StageResult
  sustained: StageResult[]
  /** The platform of the latency stage, and the one of the sustained stages. */
  runs: { latency: PlatformRun; sustained: PlatformRun }
}

/**
 * One contender: latency at a fixed rate (after a warm-up below any
 * contender's capacity) on a fresh platform, then the sustained stages on
 * another, so that the backlog a fixed rate may leave never slows them.
 */
export async function runPhase(contender: Contender, options: PhaseOptions): Promise<PhaseResult> {
  const none = { results: [], run: { processes: [], storedReadings: 0 } }
  const latency = options.stage === 'sustained' ? none : await onFreshPlatform(contender, options, 'latency', [
    ...(options.warmup ? [{ name: 'latency warm-up', load: options.warmup }] : []),
    { name: 'latency', load: options.latency },
  ])
  const sustained = options.stage === 'latency' ? none : await onFreshPlatform(contender, options, 'sustained', options.sustained.map((load) => ({
    name: `sustained, batches of ${load.batchSize}`, load,
  })))
  return {
    contender,
    latency: latency.results.at(-1) as StageResult,
    sustained: sustained.results,
    runs: { latency: latency.run, sustained: sustained.run },
  }
}

/**
 * Both contenders run on the same platform: the embedded database (served
 * over the wire on a loopback port) and the broker, from
 * `platform/dist/main.js`. Only the consumer differs, each in a process of
 * its own with the same configuration: `varde` is Varde's ingest
 * (`startIngest`, as `ingest/dist/main.js` runs it: ingest-process.ts),
 * `naive` the naive consumer (naive-ingest.ts).
 *
 * Layout `split` (the default) runs the database and the broker in two
 * processes (VARDE_PARTS= and VARDE_PARTS=broker), as a deployment with its
 * own database server does; `shared` runs them in one (VARDE_PARTS=broker),
 * as `npm start` does, where the database's statements (synchronous
 * WebAssembly) stall the broker while they run.
 */
async function onFreshPlatform(
  contender: Contender, options: PhaseOptions, label: string, stages: { name: string; load: StageLoad }[],
): Promise<{ results: StageResult[]; run: PlatformRun }> {
  const { log } = options
  const dataDir = await mkdtemp(join(tmpdir(), `varde-bench-ingest-${contender}-`))
  const children: { child: BenchChild; command: string }[] = []
  const profileArgs = (name: string) =>
    options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${contender}-${label}-${name}.cpuprofile`] : []
  const logFile = (name: string) => (options.logDir ? join(options.logDir, `${contender}-${label}-${name}.log`) : undefined)
  const start = async (name: string, script: string, command: string, env: NodeJS.ProcessEnv, readyText: string) => {
    const child = await spawnUntilReady({ name, script, env: { ...process.env, ...env }, readyText, execArgv: profileArgs(name), logFile: logFile(name) })
    children.push({ child, command })
  }
  const consumer = CONSUMERS[contender]
  try {
    const [mqttPort, dbPort] = [await freePort(), await freePort()]
    const databaseUrl = `postgres://postgres@127.0.0.1:${dbPort}/postgres?sslmode=disable`
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    const platformEnv = {
      VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_DATA_DIR: dataDir, VARDE_MQTT_PORT: String(mqttPort), VARDE_HTTP_PORT: '0',
      VARDE_MQTTS_PORT: '0', VARDE_SERVICE_SECRET: SERVICE_SECRET, VARDE_LOG_LEVEL: 'info',
    }
    log(`${contender}: ${label}: starting the platform (${options.layout}) and ${consumer.command}`)
    if (options.layout === 'split') {
      await start('database', PLATFORM_MAIN, 'node platform/dist/main.js (VARDE_PARTS=, embedded database)',
        { ...platformEnv, VARDE_PARTS: '', VARDE_DB_PORT: String(dbPort) }, 'Varde is running')
      await start('broker', PLATFORM_MAIN, 'node platform/dist/main.js (VARDE_PARTS=broker)',
        { ...platformEnv, VARDE_PARTS: 'broker', DATABASE_URL: databaseUrl }, 'Varde is running')
    } else {
      await start('platform', PLATFORM_MAIN, 'node platform/dist/main.js (VARDE_PARTS=broker, embedded database)',
        { ...platformEnv, VARDE_PARTS: 'broker', VARDE_DB_PORT: String(dbPort) }, 'Varde is running')
    }
    await start(consumer.name, consumer.script, contender === 'varde' ? `${consumer.command} (rules ${options.isRulesOn ? 'on' : 'off'})` : consumer.command, {
      DATABASE_URL: databaseUrl, VARDE_MQTT_URL: mqttUrl, VARDE_SERVICE_SECRET: SERVICE_SECRET, VARDE_LOG_LEVEL: 'info',
      BENCH_RULES: options.isRulesOn ? 'on' : 'off',
    }, '"event":"ready"')
    const gateways = await provisionBenchGateways(databaseUrl, options.gateways)
    const results: StageResult[] = []
    for (const { name, load } of stages) {
      log(`${contender}: ${name}: ${describeLoad(load)}, ${gateways.length} gateways`)
      const result = await runStage(mqttUrl, gateways, children.map((c) => c.child), load, (line) => log(`${contender}: ${name}: ${line}`))
      log(`${contender}: ${name}: ${result.acceptedPerSecond} accepted/s, p50 ${result.latencyMs?.p50 ?? '-'} ms, p99 ${result.latencyMs?.p99 ?? '-'} ms` +
        (result.unreceipted ? `, ${result.unreceipted} batches without a receipt` : '') + (result.resends ? `, ${result.resends} re-sent` : ''))
      results.push(result)
    }
    const storedReadings = await countBenchReadings(databaseUrl)
    const processes = children.map(({ child, command }) => ({ name: child.name, command, peakRssBytes: sampleProcess(child.pid)?.peakRssBytes ?? 0 }))
    return { results, run: { processes, storedReadings } }
  } finally {
    // The data directory is thrown away: no need for a clean stop, which would first work off the backlog.
    // A profiled run stops cleanly, or V8 writes no profile.
    for (const { child } of children.reverse()) await child.stop(options.cpuProfileDir ? 60_000 : 0)
    await rm(dataDir, { recursive: true, force: true })
  }
}
