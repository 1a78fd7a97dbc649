import { spawn, type ChildProcess } from 'node:child_process'
import { countMeasurements } from '@varde/db'
import type { TestDatabase } from '@varde/db/testing'
import { SimGateway, type SimGatewayOptions } from '@varde/device-sim'
import type { Measurement, Receipt } from '@varde/domain'
import type { Logger } from 'pino'
import { expect } from 'vitest'

/**
 * Issue 3's delivery proof, shared by the suites that kill a part of the
 * platform under load (ingest-kill, broker-kill): numbered batches from
 * resending gateways, milestones to kill at, and the check that every reading
 * was stored exactly once and every batch receipted.
 */
const BATCHES_PER_GATEWAY = 100
const READINGS_PER_BATCH = 10

/** Each gateway sends its batches one after the other; `milestones[i]` resolves once that many readings are receipted. */
function sendNumberedBatches(gateways: SimGateway[], milestones: number[]): { reached: Promise<void>[]; receipts: Promise<Receipt[]> } {
  const waits = milestones.map((count) => {
    let resolve = () => {}
    const promise = new Promise<void>((r) => { resolve = r })
    return { count, promise, resolve }
  })
  let receipted = 0
  const t0 = Date.UTC(2026, 10, 1)
  const sending = gateways.map(async (g, gi) => {
    const receipts: Receipt[] = []
    for (let b = 0; b < BATCHES_PER_GATEWAY; b++) {
      const measurements: Measurement[] = Array.from({ length: READINGS_PER_BATCH }, (_, m) => ({
        id: `m${m}`, deviceId: 'scale-1', type: 'body-weight', value: 60 + ((gi + b + m) % 40), unit: 'kg',
        measuredAt: new Date(t0 + ((gi * BATCHES_PER_GATEWAY + b) * READINGS_PER_BATCH + m) * 1000).toISOString(),
      }))
      receipts.push(await g.sendBatch(measurements, { batchId: `${g.gatewayId}-b${b}` }))
      receipted += READINGS_PER_BATCH
      for (const w of waits) if (receipted >= w.count) w.resolve()
    }
    return receipts
  })
  return { reached: waits.map((w) => w.promise), receipts: Promise.all(sending).then((r) => r.flat()) }
}

/** Every batch receipted with all its readings (accepted or duplicate), each reading stored once. */
async function expectEachStoredOnce(db: Pick<TestDatabase, 'pool'>, gatewayCount: number, receipts: Receipt[]): Promise<void> {
  expect(receipts).toHaveLength(gatewayCount * BATCHES_PER_GATEWAY)
  const ids = Array.from({ length: READINGS_PER_BATCH }, (_, m) => `m${m}`).sort()
  for (const r of receipts) {
    expect(r.rejected).toEqual([])
    expect([...r.accepted, ...r.duplicate].sort()).toEqual(ids)
  }
  expect(await countMeasurements(db.pool)).toBe(gatewayCount * BATCHES_PER_GATEWAY * READINGS_PER_BATCH)
  const dupes = await db.pool.query('SELECT gateway_id, batch_id, measurement_id FROM measurements GROUP BY 1, 2, 3 HAVING count(*) > 1')
  expect(dupes.rows).toEqual([])
}

/**
 * The whole proof: 10 demo gateways (re-sending after 3 s, backing off to
 * 12 s, as gateways do, so a slow shared machine is not flooded) send their
 * numbered batches; after 2,000 and after 6,000 receipted readings
 * `killAndRestart` runs; then every reading must be stored exactly once.
 */
export async function deliverThroughTwoKills(
  db: Pick<TestDatabase, 'pool'>, mqttUrl: string, logger: Logger, killAndRestart: () => Promise<void>, gatewayOptions: Partial<SimGatewayOptions> = {},
): Promise<void> {
  const gateways = Array.from({ length: 10 }, (_, i) => {
    const id = `demo-gw-${String(i + 1).padStart(3, '0')}`
    return new SimGateway({ gatewayId: id, secret: `${id}-secret`, mqttUrl, resendAfterMs: 3000, maxResendAfterMs: 12_000, logger, ...gatewayOptions })
  })
  await Promise.all(gateways.map((g) => g.start()))
  const { reached, receipts } = sendNumberedBatches(gateways, [2_000, 6_000])
  for (const milestone of reached) {
    await milestone
    await killAndRestart()
  }
  await expectEachStoredOnce(db, gateways.length, await receipts)
  await Promise.all(gateways.map((g) => g.stop()))
}

/** A part of the platform as its own process; resolves once its output shows `readyText`. */
export function spawnUntilReady(script: string, env: NodeJS.ProcessEnv, readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes(readyText)) {
        child.removeAllListeners('exit')
        resolve(child)
      }
    })
  })
}

// 'close' (process gone and its pipes closed): under vitest's worker the child's 'exit' event was seen to go missing
export const stopProcess = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('close', () => resolve())
    child.kill(signal)
  })
