import { parseArgs } from 'node:util'
import { runLoad, type LoadReport } from '../load/run-load.js'
import { formatDuration } from '../time/duration.js'
import { COMMON_OPTIONS, connectionFrom, describeSettings, UsageError, type CliEnvironment } from './cli-config.js'
import { gatewayIds, secretFor } from './gateway-ids.js'
import { durationMs, encodingOption, positiveInteger } from './option-values.js'
import { ProgressLine } from './progress-line.js'
import { LOAD_USAGE } from './usage.js'

export async function loadCommand(args: string[], env: CliEnvironment): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      gateways: { type: 'string' },
      first: { type: 'string' },
      prefix: { type: 'string' },
      secret: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'batch-size': { type: 'string' },
      drain: { type: 'string' },
      encoding: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (values.help) {
    console.log(LOAD_USAGE)
    return 0
  }
  const connection = connectionFrom(values, env)
  const ids = gatewayIds(values.prefix ?? 'demo-gw-', positiveInteger('--first', values.first, 1), positiveInteger('--gateways', values.gateways, 10, 10_000))
  const rate = values.rate === undefined ? 100 : Number(values.rate)
  if (!(rate > 0) || !Number.isFinite(rate)) throw new UsageError(`--rate ${values.rate}: give measurements per second above 0`)
  const durationSeconds = durationMs('--duration', values.duration, 30_000) / 1000
  const drainSeconds = durationMs('--drain', values.drain, 15_000) / 1000
  const batchSize = positiveInteger('--batch-size', values['batch-size'], 10, 500)
  const encoding = encodingOption(values.encoding)

  const progress = new ProgressLine(!connection.isQuiet && !values.json)
  progress.log(describeSettings({ mqtt: connection.mqttUrl, gateways: `${ids.length} (${ids[0]}..${ids[ids.length - 1]})`, rate: `${rate}/s`, duration: `${durationSeconds}s`, 'batch size': batchSize, encoding }))
  const report = await runLoad({
    mqttUrl: connection.mqttUrl,
    gateways: ids.map((id) => ({ id, secret: secretFor(values.secret ?? '{id}-secret', id) })),
    ratePerSecond: rate,
    durationSeconds,
    batchSize,
    drainSeconds,
    encoding,
    logger: connection.logger,
    onProgress: (p) =>
      progress.update(
        `${p.phase} ${formatDuration(p.elapsedSeconds * 1000)}: ${p.batchesSent} batches sent, ${p.batchesReceipted} receipted, ${p.pending} waiting, ${p.errors} errors`,
      ),
  })
  progress.done()
  console.log(values.json ? JSON.stringify(report, null, 2) : formatLoadReport(report))
  return report.errors === 0 && report.rejected === 0 ? 0 : 1
}

export function formatLoadReport(r: LoadReport): string {
  const rejectedByCode = Object.entries(r.rejectedByCode).map(([code, n]) => `${code} ${n}`).join(', ')
  const lat = r.latencyMs
  return [
    `load: ${r.gateways} gateways${r.gatewayErrors ? ` (${r.gatewayErrors} could not connect)` : ''}, ${r.target.ratePerSecond} measurements/s for ${r.target.durationSeconds} s, batches of ${r.target.batchSize}`,
    `  sent        ${r.measurementsSent} measurements in ${r.batchesSent} batches over ${r.sendSeconds} s (${r.throughput.sentPerSecond}/s)`,
    `  receipts    ${r.batchesReceipted} batches: ${r.accepted} accepted, ${r.duplicate} duplicate, ${r.rejected} rejected${rejectedByCode ? ` (${rejectedByCode})` : ''}`,
    `  throughput  ${r.throughput.acceptedPerSecond} measurements/s stored (accepted over ${r.elapsedSeconds} s)`,
    `  latency     ${lat ? `p50 ${lat.p50} ms, p90 ${lat.p90} ms, p99 ${lat.p99} ms, max ${lat.max} ms` : 'no receipts'}`,
    `  re-sends    ${r.resends}`,
    `  errors      ${r.errors}${r.unreceipted ? ` (${r.unreceipted} batches without receipt)` : ''}${r.errorSamples.length ? `\n              ${r.errorSamples.slice(0, 5).join('\n              ')}` : ''}`,
  ].join('\n')
}
