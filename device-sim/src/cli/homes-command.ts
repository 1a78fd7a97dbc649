import { parseArgs } from 'node:util'
import { startDemoFeed } from '../demo/demo-feed.js'
import { isProfile, PROFILE_NAMES } from '../patient/profiles.js'
import { formatDuration } from '../time/duration.js'
import { COMMON_OPTIONS, connectionFrom, describeSettings, UsageError, type CliEnvironment } from './cli-config.js'
import { gatewayIds, secretFor } from './gateway-ids.js'
import { durationMs, encodingOption, positiveInteger } from './option-values.js'
import { ProgressLine } from './progress-line.js'
import { HOMES_USAGE } from './usage.js'

const DEFAULT_PROFILES = 'copd,heart-failure,diabetes,hypertension'

export async function homesCommand(args: string[], env: CliEnvironment): Promise<number> {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      ...COMMON_OPTIONS,
      count: { type: 'string' },
      first: { type: 'string' },
      prefix: { type: 'string' },
      secret: { type: 'string' },
      profiles: { type: 'string' },
      interval: { type: 'string' },
      backfill: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      encoding: { type: 'string' },
    },
  })
  if (values.help) {
    console.log(HOMES_USAGE)
    return 0
  }
  const connection = connectionFrom(values, env)
  const count = positiveInteger('--count', values.count, 12, 10_000)
  const ids = gatewayIds(values.prefix ?? 'demo-gw-', positiveInteger('--first', values.first, 1), count)
  const profileSets = (values.profiles ?? DEFAULT_PROFILES).split(',').map((set) => {
    const names = set.split('+').map((p) => p.trim())
    const bad = names.find((p) => !isProfile(p))
    if (bad !== undefined) throw new UsageError(`--profiles: unknown profile "${bad}" (known: ${PROFILE_NAMES.join(', ')})`)
    return names
  })
  const intervalMs = durationMs('--interval', values.interval, 60_000)
  const runForMs = values.duration === undefined ? null : durationMs('--duration', values.duration, 0)
  const backfillDays = values.backfill === undefined ? 0 : Number(values.backfill)
  if (!Number.isInteger(backfillDays) || backfillDays < 0 || backfillDays > 365) throw new UsageError(`--backfill ${values.backfill}: give whole days, 0-365`)
  const encoding = encodingOption(values.encoding)
  const seed = values.seed ?? 'demo'

  const progress = new ProgressLine(!connection.isQuiet)
  progress.log(describeSettings({ mqtt: connection.mqttUrl, homes: count, gateways: `${ids[0]}..${ids[ids.length - 1]}`, interval: formatDuration(intervalMs), backfill: `${backfillDays} days`, encoding }))
  const feed = await startDemoFeed({
    mqttUrl: connection.mqttUrl,
    intervalMs,
    backfillDays,
    encoding,
    logger: connection.logger,
    homes: ids.map((gatewayId, i) => ({
      gatewayId,
      secret: secretFor(values.secret ?? '{id}-secret', gatewayId),
      profiles: profileSets[i % profileSets.length] ?? ['general'],
      seed: `${seed}-${gatewayId}`,
    })),
  })
  progress.log(`${feed.gatewayIds.length} of ${count} homes connected${feed.gatewayIds.length < count ? ' (see the log for the others; --verbose)' : ''}`)
  if (backfillDays > 0) {
    void feed.backfilled.then((r) =>
      progress.log(`history sent: ${r.batches} batches, ${r.accepted} accepted, ${r.duplicate} duplicate (sent before), ${r.rejected} rejected${r.failedHomes.length ? `; failed: ${r.failedHomes.join(', ')}` : ''}`),
    )
  }
  const startedAt = Date.now()
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - startedAt
      const s = feed.stats()
      progress.update(
        `${s.connected}/${s.homes} homes online, ${formatDuration(elapsed)}${runForMs === null ? ' (Ctrl-C stops)' : ` of ${formatDuration(runForMs)}`}: ` +
          `${s.batchesSent} batches sent, ${s.receipts} receipted, ${s.pending} waiting`,
      )
      if (runForMs !== null && elapsed >= runForMs) finish()
    }, 1000)
    const finish = (): void => {
      clearInterval(tick)
      process.off('SIGINT', finish)
      process.off('SIGTERM', finish)
      resolve()
    }
    process.once('SIGINT', finish)
    process.once('SIGTERM', finish)
  })
  progress.done('stopping: gateways say offline')
  await feed.stop()
  return 0
}
