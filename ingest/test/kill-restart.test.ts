import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createBroker, type VardeBroker } from '@varde/broker'
import { countMeasurements, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { SimGateway } from '@varde/device-sim'
import type { Measurement, Receipt } from '@varde/domain'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 3's delivery proof: 10,000 readings from resending gateways while the
// ingest PROCESS is killed (SIGKILL, no goodbye) and restarted twice. Exactly
// 10,000 stored, every batch receipted, none stored twice.
const INGEST_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const logger = pino({ level: 'silent' })
const serviceSecret = 'kill-test-secret-0123456789abcdef'
const GATEWAYS = 10
const BATCHES_PER_GATEWAY = 100
const READINGS_PER_BATCH = 10
let db: TestDatabase
let broker: VardeBroker
let mqttUrl: string

beforeAll(async () => {
  if (!existsSync(INGEST_MAIN)) throw new Error(`${INGEST_MAIN} is missing: build first (npm run build)`)
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
})
afterAll(async () => {
  await broker?.close()
  await db?.stop()
})

/** Starts ingest as its own process and resolves once it is subscribed. */
function spawnIngest(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [INGEST_MAIN], {
    env: { ...process.env, DATABASE_URL: db.url, VARDE_MQTT_URL: mqttUrl, VARDE_SERVICE_SECRET: serviceSecret, VARDE_LOG_LEVEL: 'info', VARDE_INGEST_CLIENT_ID: 'ingest-kill-test' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`ingest exited with ${code}: ${out}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('"event":"ready"')) {
        child.removeAllListeners('exit')
        resolve(child)
      }
    })
  })
}

// 'close' (process gone and its pipes closed): under vitest's worker the child's 'exit' event was seen to go missing
const stopProcess = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    child.once('close', () => resolve())
    child.kill(signal)
  })

describe('ingest killed and restarted twice under load', () => {
  it('stores exactly 10,000 readings, receipts every batch, stores none twice', async () => {
    let ingest = await spawnIngest()
    const gateways = Array.from({ length: GATEWAYS }, (_, i) => {
      const id = `demo-gw-${String(i + 1).padStart(3, '0')}`
      // as gateways do: re-send after a while, backing off, so a slow (shared) machine is not flooded with re-sends
      return new SimGateway({ gatewayId: id, secret: `${id}-secret`, mqttUrl, resendAfterMs: 3000, maxResendAfterMs: 12_000, logger })
    })
    await Promise.all(gateways.map((g) => g.start()))
    let receipted = 0
    const milestones = [2_000, 6_000].map(() => {
      let resolve = () => {}
      const promise = new Promise<void>((r) => { resolve = r })
      return { promise, resolve }
    })
    const t0 = Date.UTC(2026, 10, 1)
    const sending = gateways.map(async (g, gi) => {
      const receipts: Receipt[] = []
      for (let b = 0; b < BATCHES_PER_GATEWAY; b++) {
        const measurements: Measurement[] = Array.from({ length: READINGS_PER_BATCH }, (_, m) => ({
          id: `m${m}`, deviceId: 'scale-1', type: 'body-weight', value: 60 + ((gi + b + m) % 40), unit: 'kg',
          measuredAt: new Date(t0 + ((gi * BATCHES_PER_GATEWAY + b) * READINGS_PER_BATCH + m) * 1000).toISOString(),
        }))
        const receipt = await g.sendBatch(measurements, { batchId: `${g.gatewayId}-b${b}` })
        receipts.push(receipt)
        receipted += READINGS_PER_BATCH
        if (receipted >= 2_000) milestones[0]!.resolve()
        if (receipted >= 6_000) milestones[1]!.resolve()
      }
      return receipts
    })
    await milestones[0]!.promise
    await stopProcess(ingest, 'SIGKILL')
    ingest = await spawnIngest()
    await milestones[1]!.promise
    await stopProcess(ingest, 'SIGKILL')
    ingest = await spawnIngest()
    const receipts = (await Promise.all(sending)).flat()

    expect(receipts).toHaveLength(GATEWAYS * BATCHES_PER_GATEWAY)
    for (const r of receipts) {
      expect(r.rejected).toEqual([])
      expect([...r.accepted, ...r.duplicate].sort()).toEqual(Array.from({ length: READINGS_PER_BATCH }, (_, m) => `m${m}`).sort())
    }
    expect(await countMeasurements(db.pool)).toBe(GATEWAYS * BATCHES_PER_GATEWAY * READINGS_PER_BATCH)
    const dupes = await db.pool.query('SELECT gateway_id, batch_id, measurement_id FROM measurements GROUP BY 1, 2, 3 HAVING count(*) > 1')
    expect(dupes.rows).toEqual([])
    await Promise.all(gateways.map((g) => g.stop()))
    await stopProcess(ingest, 'SIGTERM')
  }, 240_000)
})
