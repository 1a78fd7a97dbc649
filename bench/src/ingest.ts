import { mkdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runPhase, type PhaseOptions } from './ingest-phase.js'
import { formatReport, pairRuns, summarize } from './ingest-report.js'
import type { StageLoad } from './ingest-stage.js'

/**
 * Issue 3's ingest bench: many simulated gateways publish through the real
 * broker into the embedded database, once through Varde's ingest and once
 * through a naive consumer (one INSERT and one receipt per message), in the
 * same run. Prints sustained measurements/s, publish → receipt latency at a
 * fixed rate, peak RSS of the processes under test, and the ratios. The load
 * generator is this process; the platform under test runs in child processes
 * (ingest-phase.ts); bench/README.md says how to read the figures.
 *
 *   npm run bench:ingest                  (about 3 minutes)
 *   npm run bench:ingest -- --quick       (smoke run, about 1 minute; figures not comparable)
 *   npm run bench:ingest -- --json        (one JSON object on stdout; progress on stderr)
 *   npm run bench:ingest -- --rules       (Varde's rules worker on, as in production)
 *   npm run bench:ingest -- --pairs 5     (pairs of sustained batches of 1 after the phases; default 3, 0 in a smoke run)
 *   npm run bench:ingest -- --layout shared   (database and broker in one process, as `npm start`)
 *   … --gateways 100 --batch 50 --seconds 15 --latency-rate 2000 --only varde [--stage latency|sustained|sustained:1] --cpu-prof <dir> --logs <dir>
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    gateways: { type: 'string' },
    batch: { type: 'string' },
    seconds: { type: 'string' },
    'latency-rate': { type: 'string' },
    'cpu-prof': { type: 'string' },
    logs: { type: 'string' },
    only: { type: 'string' },
    stage: { type: 'string' },
    layout: { type: 'string', default: 'split' },
    rules: { type: 'boolean', default: false },
    pairs: { type: 'string' },
  },
})
const quick = args.quick ?? false
const num = (value: string | undefined, fallback: number, name: string): number => {
  const n = value === undefined ? fallback : Number(value)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench ingest: --${name} must be a positive number`)
    process.exit(2)
  }
  return n
}
const gateways = num(args.gateways, quick ? 20 : 100, 'gateways')
const seconds = num(args.seconds, quick ? 3 : 15, 'seconds')
const sustainedSeconds = quick ? 3 : Math.max(3, Math.round((seconds * 2) / 3))
const sustainedBatchSize = num(args.batch, 50, 'batch')
const latencyRate = num(args['latency-rate'], 2_000, 'latency-rate')
// after the phases: sustained batches of 1 again, Varde and naive in turn, for a steadier ratio (ingest-report.ts)
const pairs = args.pairs === undefined ? (quick ? 0 : 3) : Number(args.pairs)
if (!Number.isInteger(pairs) || pairs < 0) {
  console.error('bench ingest: --pairs must be a whole number, 0 or more')
  process.exit(2)
}
const only = args.only
if (only !== undefined && only !== 'varde' && only !== 'naive') {
  console.error('bench ingest: --only is varde or naive')
  process.exit(2)
}
// `sustained:1` (or `sustained:<batch>`): that one sustained load alone, e.g. to profile it
const [stage, stageBatchText] = (args.stage ?? '').split(':') as [string, string | undefined]
if (args.stage !== undefined && (only === undefined || (stage !== 'latency' && stage !== 'sustained') || (stageBatchText !== undefined && stage !== 'sustained'))) {
  console.error('bench ingest: --stage is latency, sustained or sustained:<batch size>, and needs --only')
  process.exit(2)
}
const stageBatch = stageBatchText === undefined ? undefined : num(stageBatchText, 1, 'stage')
const layout = args.layout
if (layout !== 'split' && layout !== 'shared') {
  console.error('bench ingest: --layout is split or shared')
  process.exit(2)
}
const cpuProfileDir = args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true })
const logDir = args.logs ? resolve(args.logs) : undefined
if (logDir) mkdirSync(logDir, { recursive: true })

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
const phase: PhaseOptions = {
  gateways,
  // JIT, caches and the database's plans warm before the latency is measured, at the rate measured (a lower one left
  // the first second of the stage to warm them: a backlog of about a second, more than 1% of the batches); then up
  // to 10 s for its receipts; skipped in a smoke run
  warmup: quick ? null : { kind: 'fixed-rate', ratePerSecond: latencyRate, batchSize: 1, durationSeconds: 3, drainSeconds: 10 },
  latency: { kind: 'fixed-rate', ratePerSecond: latencyRate, batchSize: 1, durationSeconds: seconds, drainSeconds: 10 },
  // As much as it takes, closed loop (ingest-saturate.ts says why not an open-loop overload): homes sending each reading
  // as it is taken (batches of 1, many in flight), and store-and-forward flushes (batches of 50).
  sustained: ([
    { kind: 'saturate', batchSize: 1, inFlightPerGateway: 8, warmupSeconds: quick ? 1 : 3, durationSeconds: sustainedSeconds, resendAfterMs: 5000 },
    { kind: 'saturate', batchSize: sustainedBatchSize, inFlightPerGateway: 2, warmupSeconds: quick ? 1 : 3, durationSeconds: sustainedSeconds, resendAfterMs: 5000 },
  ] satisfies StageLoad[]).filter((load) => stageBatch === undefined || load.batchSize === stageBatch),
  layout,
  stage: args.stage === undefined ? undefined : stage as 'latency' | 'sustained',
  isRulesOn: args.rules ?? false,
  cpuProfileDir,
  logDir,
  log,
}

try {
  const varde = only === 'naive' ? null : await runPhase('varde', phase)
  const naive = only === 'varde' ? null : await runPhase('naive', phase)
  if (!varde || !naive) {
    // one contender alone (for profiling): its raw figures only
    process.stdout.write(`${JSON.stringify(varde ?? naive, null, 2)}\n`)
    process.exit(0)
  }
  const singles: PhaseOptions = { ...phase, stage: 'sustained', sustained: phase.sustained.filter((l) => l.batchSize === 1) }
  const paired = { varde: [] as number[], naive: [] as number[] }
  for (let i = 0; i < pairs; i++) {
    log(`pair ${i + 1} of ${pairs}: sustained batches of 1, Varde then naive`)
    paired.varde.push((await runPhase('varde', singles)).sustained[0]?.acceptedPerSecond ?? 0)
    paired.naive.push((await runPhase('naive', singles)).sustained[0]?.acceptedPerSecond ?? 0)
  }
  const result = summarize({
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version,
      platform: `${process.platform}-${process.arch}`, totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    },
    settings: { gateways, quick, layout, isRulesOn: args.rules ?? false, latencyRate, latencySeconds: seconds, sustainedSeconds },
    varde,
    naive,
    ...(pairs > 0 ? { pairs: pairRuns(1, paired.varde, paired.naive) } : {}),
  })
  process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `\n${formatReport(result)}\n`)
  process.exit(0)
} catch (error) {
  console.error(`bench ingest failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1) // the exit handler kills the processes under test
}
