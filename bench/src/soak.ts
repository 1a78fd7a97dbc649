import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { formatChaosReport, runChaosSoak } from './soak/chaos-soak.js'
import { formatMemoryReport, runMemorySoak } from './soak/memory-soak.js'

/**
 * Issue 14's soaks, bounded, each printing its figures (bench/README.md, "npm run soak"):
 *
 *   npm run soak                                  chaos (3 cycles of 4 kills) then memory (30 min)
 *   npm run soak -- --only chaos --cycles 5       the chaos soak alone
 *   npm run soak -- --only memory --minutes 10    the memory soak alone, shorter
 *   npm run soak -- --logs /tmp/soak              one log file per process and phase
 *
 * Exit code 0 only when every soak run was clean.
 */
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    cycles: { type: 'string', default: '3' },
    gateways: { type: 'string', default: '50' },
    'batches-per-second': { type: 'string', default: '25' },
    'readings-per-batch': { type: 'string', default: '4' },
    'batches-between-kills': { type: 'string', default: '150' },
    minutes: { type: 'string', default: '30' },
    speed: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    logs: { type: 'string' },
  },
})

const numbers = {
  cycles: Number(args.cycles), gateways: Number(args.gateways), 'batches-per-second': Number(args['batches-per-second']),
  'readings-per-batch': Number(args['readings-per-batch']), 'batches-between-kills': Number(args['batches-between-kills']),
  minutes: Number(args.minutes), speed: Number(args.speed),
}
for (const [name, n] of Object.entries(numbers)) {
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`soak: --${name} must be a positive number`)
    process.exit(2)
  }
}
if (args.only !== undefined && args.only !== 'chaos' && args.only !== 'memory') {
  console.error(`soak: --only is 'chaos' or 'memory', not '${args.only}'`)
  process.exit(2)
}
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown'}, node ${process.version}`)
  let isClean = true
  const results: Record<string, unknown> = {}
  if (args.only !== 'memory') {
    const report = await runChaosSoak({
      cycles: numbers.cycles, gateways: numbers.gateways, batchesPerSecond: numbers['batches-per-second'],
      readingsPerBatch: numbers['readings-per-batch'], batchesBetweenKills: numbers['batches-between-kills'],
      logPrefix: args.logs ? `${args.logs}-chaos` : undefined, onProgress: log,
    })
    results.chaos = report
    isClean &&= report.isClean
    if (!args.json) process.stdout.write(`\n${formatChaosReport(report)}\n\n`)
  }
  if (args.only !== 'chaos') {
    const report = await runMemorySoak({ minutes: numbers.minutes, speed: numbers.speed, logPrefix: args.logs ? `${args.logs}-memory` : undefined, onProgress: log })
    results.memory = report
    isClean &&= report.isClean
    if (!args.json) process.stdout.write(`\n${formatMemoryReport(report)}\n\n`)
  }
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
  process.exitCode = isClean ? 0 : 1
}

main().catch((error: unknown) => {
  console.error('soak failed:', error)
  process.exit(1)
})
