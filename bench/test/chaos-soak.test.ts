import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatChaosReport, KILL_CYCLE, runChaosSoak } from '../src/soak/chaos-soak.js'
import { PLATFORM_MAIN } from '../src/soak/soak-platform.js'

// Issue 14's chaos soak, the CI variant of `npm run soak` (bench/README.md): one
// cycle of the four kills (the whole platform process; ingest alone; the
// broker alone; database, broker, ingest and server at once), each SIGKILL and
// a restart on the same data directory, under 50 gateways at 100 readings/s,
// a kill every 50 receipted batches (`npm run soak`: 150, three cycles).
// About 95 s on a 2-core machine; the progress lines say where it goes.
describe('chaos soak: the platform killed in every way, in turn, under load', () => {
  it('receipts every batch, stores each receipted reading once, opens each called-for alert once, logs no error after a restart', async () => {
    if (!existsSync(PLATFORM_MAIN)) throw new Error(`${PLATFORM_MAIN} is missing: build first (npm run build)`)
    const began = Date.now()
    const onProgress = (line: string) => process.stdout.write(`chaos soak +${((Date.now() - began) / 1000).toFixed(1)} s: ${line}\n`)
    const report = await runChaosSoak({ cycles: 1, gateways: 50, batchesPerSecond: 25, readingsPerBatch: 4, batchesBetweenKills: 50, drainMs: 60_000, onProgress })
    process.stdout.write(`${formatChaosReport(report)}\n`)
    expect(report.kills.map((k) => k.kind)).toEqual(KILL_CYCLE)
    expect(report.unreceipted).toBe(0)
    expect(report.receiptFaults).toEqual([])
    expect(report.load.readingsReceipted).toBe(report.load.readingsSent)
    expect(report.stored.stored).toBe(report.load.readingsReceipted)
    expect(report.stored.duplicates).toBe(0)
    expect(report.expectedAlerts.length).toBeGreaterThan(0)
    expect(report.stored.alerts).toEqual(report.expectedAlerts)
    // issue 14, defect 7: the first flush after a crash must not fail
    expect(report.kills.map((k) => k.storeErrorsAfter)).toEqual([0, 0, 0, 0])
    expect(report.errorSamples.map((e) => `${e.process}: ${e.line}`)).toEqual([])
    expect(report.isClean).toBe(true)
  }, 240_000)
})
