import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_PATIENTS, demoGatewayId, demoGatewaySecret } from '@varde/db'
import { freePort } from '../ingest-children.js'
import { provisionBenchGateways } from '../ingest-provisioning.js'
import { SoakPlatform, type ErrorLine, type ProcessName } from './soak-platform.js'
import { SteadyGateways, type SteadyFigures } from './steady-gateways.js'
import { copdGateways, expectedAlerts, readStoredFigures, type StoredAlert, type StoredFigures } from './stored-figures.js'

/**
 * Issue 14's chaos soak: gateways at a steady rate while a loop kills, in
 * turn, the whole platform process, ingest alone, the broker alone, and the
 * whole platform again when it runs as parts (database, broker, ingest and
 * server all at once), each with SIGKILL, each restarted on the same data
 * directory. A kill comes once the platform has receipted `batchesBetweenKills`
 * batches since the last restart (progress, not a clock, so a slow machine
 * gets the same soak). Then: every batch receipted, receipted readings =
 * stored readings, none stored twice, every alert the readings call for open
 * exactly once, and no error logged after any restart.
 */
export type KillKind = 'whole' | 'ingest' | 'broker' | 'whole-split'
export const KILL_CYCLE: readonly KillKind[] = ['whole', 'ingest', 'broker', 'whole-split']

export interface ChaosOptions {
  /** Rounds of KILL_CYCLE (4 kills each). */
  cycles: number
  gateways: number
  batchesPerSecond: number
  readingsPerBatch: number
  batchesBetweenKills: number
  /** How long the last receipts and alerts may take once sending stops. */
  drainMs?: number
  logPrefix?: string | undefined
  onProgress?: (line: string) => void
}

export interface KillRecord {
  kind: KillKind
  /** Kill → restarted (ready line) → first receipt after the kill, ms. */
  restartMs: number
  outageMs: number
  /** Error-level lines logged from this kill until the next one (or the end). */
  errorsAfter: number
  /** Of those, ingest's failed flushes ('storing failed', issue 14 defect 7). */
  storeErrorsAfter: number
}

export interface ChaosReport {
  settings: Omit<ChaosOptions, 'onProgress' | 'logPrefix'>
  kills: KillRecord[]
  load: SteadyFigures
  /** Batches without a receipt when the drain ended. */
  unreceipted: number
  stored: StoredFigures
  expectedAlerts: StoredAlert[]
  /** Error lines logged before the first kill. */
  errorsAtStart: number
  errorSamples: ErrorLine[]
  receiptFaults: string[]
  elapsedSeconds: number
  /** Every check, true when the soak passed. */
  isClean: boolean
}

const SERVICE_SECRET = 'soak-service-secret-0123456789abcdef'

export async function runChaosSoak(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.onProgress ?? (() => undefined)
  const began = Date.now()
  const dataDir = mkdtempSync(join(tmpdir(), 'varde-soak-'))
  const platform = new SoakPlatform({
    dataDir, serviceSecret: SERVICE_SECRET, logPrefix: options.logPrefix,
    ports: { mqtt: await freePort(), http: await freePort(), db: await freePort() },
  })
  let load: SteadyGateways | undefined
  try {
    say('starting the whole platform (one process)')
    await platform.startWhole()
    const demo = DEMO_PATIENTS.map((_, i) => ({ id: demoGatewayId(i), secret: demoGatewaySecret(demoGatewayId(i)) })).slice(0, options.gateways)
    const extra = options.gateways > demo.length ? await provisionBenchGateways(platform.databaseUrl, options.gateways - demo.length) : []
    const gateways = [...demo, ...extra]
    const copd = (await copdGateways(platform.databaseUrl)).filter((id) => gateways.some((g) => g.id === id))
    load = new SteadyGateways({ mqttUrl: platform.mqttUrl, gateways, batchesPerSecond: options.batchesPerSecond, readingsPerBatch: options.readingsPerBatch })
    await load.start()
    say(`${gateways.length} gateways sending ${options.batchesPerSecond} batches/s of ${options.readingsPerBatch} readings`)

    const plan = Array.from({ length: options.cycles }, () => KILL_CYCLE).flat()
    const kills: (KillRecord & { at: number })[] = []
    for (const [i, kind] of plan.entries()) {
      await load.receiptsFromNow(options.batchesBetweenKills)
      const at = Date.now()
      await kill(platform, kind)
      // the alert readings travel through the outage: held by their gateway, sent on reconnect
      const alertGateway = copd[i % Math.max(1, copd.length)]
      if (alertGateway) load.callForAlert(alertGateway)
      await restart(platform, kind)
      const restartMs = Date.now() - at
      await load.receiptsFromNow(1)
      const outageMs = load.latestReceiptAt - at
      kills.push({ kind, at, restartMs, outageMs, errorsAfter: 0, storeErrorsAfter: 0 })
      say(`kill ${i + 1}/${plan.length}: ${kind}; restarted in ${(restartMs / 1000).toFixed(1)} s, receipts again after ${(outageMs / 1000).toFixed(1)} s`)
    }
    for (const id of copd) load.callForAlert(id)
    await load.receiptsFromNow(options.batchesBetweenKills)
    load.stopSending()
    say('sending stopped; waiting for the last receipts')
    const drainMs = options.drainMs ?? 120_000
    const isDrained = await load.drain(drainMs)
    const unreceipted = isDrained ? 0 : load.pending
    const want = expectedAlerts(load.figures.alertGateways)
    say('waiting for the rules worker')
    const stored = await settledFigures(platform.databaseUrl, gateways.map((g) => g.id), want, drainMs)
    for (const [i, k] of kills.entries()) {
      const until = kills[i + 1]?.at ?? Number.POSITIVE_INFINITY
      const after = platform.errors.filter((e) => e.at >= k.at && e.at < until)
      k.errorsAfter = after.length
      k.storeErrorsAfter = after.filter((e) => e.line.includes('storing failed')).length
    }
    const errorsAtStart = platform.errors.filter((e) => e.at < (kills[0]?.at ?? Number.POSITIVE_INFINITY)).length
    const f = load.figures
    const isClean = unreceipted === 0 && load.faults.length === 0 && f.rejected === 0 && f.readingsReceipted === f.readingsSent
      && stored.stored === f.readingsReceipted && stored.duplicates === 0 && sameAlerts(stored.alerts, want) && platform.errors.length === 0
    return {
      settings: { cycles: options.cycles, gateways: options.gateways, batchesPerSecond: options.batchesPerSecond, readingsPerBatch: options.readingsPerBatch, batchesBetweenKills: options.batchesBetweenKills, drainMs },
      kills: kills.map(({ at: _at, ...k }) => k),
      load: { ...f, alertGateways: [...f.alertGateways] },
      unreceipted,
      stored,
      expectedAlerts: want,
      errorsAtStart,
      errorSamples: platform.errors.slice(0, 10),
      receiptFaults: load.faults.slice(0, 10),
      elapsedSeconds: Math.round((Date.now() - began) / 1000),
      isClean,
    }
  } finally {
    await load?.stop()
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const SPLIT: ProcessName[] = ['database', 'broker', 'ingest', 'server']

async function kill(platform: SoakPlatform, kind: KillKind): Promise<void> {
  if (kind === 'whole') await platform.kill(['whole'])
  else if (kind === 'whole-split') await platform.kill(SPLIT)
  else await platform.kill([kind])
}

/** After the whole process, the platform comes back as parts; after the parts all at once, as one process: both layouts share one data directory. */
async function restart(platform: SoakPlatform, kind: KillKind): Promise<void> {
  if (kind === 'whole') await platform.startSplit()
  else if (kind === 'whole-split') await platform.startWhole()
  else await platform.startPart(kind)
}

/** The figures once the rules worker has caught up and the expected alerts are there, or at the deadline (then as they are). */
async function settledFigures(databaseUrl: string, gatewayIds: string[], want: StoredAlert[], deadlineMs: number): Promise<StoredFigures> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const figures = await readStoredFigures(databaseUrl, gatewayIds)
    if ((figures.ruleWorkQueued === 0 && sameAlerts(figures.alerts, want)) || Date.now() > deadline) return figures
    // polling a condition with a deadline: the database has no event for "the rules worker is done"
    await new Promise((r) => setTimeout(r, 500))
  }
}

function sameAlerts(a: StoredAlert[], b: StoredAlert[]): boolean {
  const key = (x: StoredAlert[]) => JSON.stringify([...x].map((y) => [y.gatewayId, y.ruleId, y.severity, y.status, y.count]).sort())
  return key(a) === key(b)
}

/** The figures as a table for the terminal. */
export function formatChaosReport(r: ChaosReport): string {
  const f = r.load
  const longest = Math.max(0, ...r.kills.map((k) => k.outageMs))
  const lines = [
    `chaos soak: ${r.isClean ? 'CLEAN' : 'FAILED'} in ${r.elapsedSeconds} s`,
    `  settings: ${r.settings.gateways} gateways, ${r.settings.batchesPerSecond} batches/s × ${r.settings.readingsPerBatch} readings, a kill every ${r.settings.batchesBetweenKills} receipted batches, ${r.settings.cycles} cycle(s)`,
    `  kills: ${r.kills.length} (${KILL_CYCLE.map((k) => `${k} ${r.kills.filter((x) => x.kind === k).length}`).join(', ')})`,
    `  batches: ${f.batchesSent} sent, ${f.batchesReceipted} receipted, ${r.unreceipted} without receipt, ${f.resends} re-sends`,
    `  readings: ${f.readingsSent} sent, ${f.readingsReceipted} receipted (${f.accepted} accepted, ${f.duplicate} duplicate, ${f.rejected} rejected), ${r.stored.stored} stored, ${r.stored.duplicates} stored twice`,
    `  alerts: ${r.expectedAlerts.length} called for, ${r.stored.alerts.length} open: ${r.stored.alerts.map((a) => `${a.gatewayId} ${a.ruleId} ${a.severity} ×${a.count}`).join(', ') || 'none'}`,
    `  longest outage (kill → first receipt after it): ${(longest / 1000).toFixed(1)} s`,
    `  store errors after each restart: ${r.kills.map((k) => k.storeErrorsAfter).join(', ')}; error lines in all: ${r.errorsAtStart} at start, ${r.kills.map((k) => k.errorsAfter).join(', ')} after the restarts`,
    ...r.kills.map((k, i) => `    kill ${i + 1} ${k.kind}: restarted in ${(k.restartMs / 1000).toFixed(1)} s, outage ${(k.outageMs / 1000).toFixed(1)} s, ${k.storeErrorsAfter} store errors, ${k.errorsAfter} error lines`),
    ...r.errorSamples.map((e) => `  error (${e.process}): ${e.line}`),
    ...r.receiptFaults.map((x) => `  receipt fault: ${x}`),
  ]
  return lines.join('\n')
}
