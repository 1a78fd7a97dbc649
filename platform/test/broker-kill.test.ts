import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countMeasurements, seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { SimGateway } from '@varde/device-sim'
import type { Measurement, Receipt } from '@varde/domain'
import { startIngest, type IngestService } from '@varde/ingest'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue 3's delivery proof, the broker's half (ingest/test/kill-restart.test.ts
// kills ingest): 10,000 readings from resending gateways while the BROKER
// process, with its sessions and queues on disk behind a write-back cache
// (docs/decisions/0007-broker-write-back.md), is killed (SIGKILL, nothing
// flushed) and restarted twice. Exactly 10,000 stored, every batch
// receipted, none stored twice.
const PLATFORM_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const logger = pino({ level: 'silent' })
const serviceSecret = 'broker-kill-secret-0123456789abcdef'
const GATEWAYS = 10
const BATCHES_PER_GATEWAY = 100
const READINGS_PER_BATCH = 10
let db: TestDatabase
let dataDir: string
let mqttPort: number
let ingest: IngestService | undefined

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

beforeAll(async () => {
  if (!existsSync(PLATFORM_MAIN)) throw new Error(`${PLATFORM_MAIN} is missing: build first (npm run build)`)
  db = await startTestDatabase()
  await seedDemo(db.pool)
  dataDir = await mkdtemp(join(tmpdir(), 'varde-broker-kill-'))
  mqttPort = await freePort()
})
afterAll(async () => {
  await ingest?.stop()
  await db?.stop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

/** The broker alone, as a deployment runs it (`VARDE_PARTS=broker`), on the same port and data directory each time. */
function spawnBroker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PLATFORM_MAIN], {
    env: {
      ...process.env, VARDE_MODE: 'demo', VARDE_PARTS: 'broker', VARDE_SIMULATOR: 'off', DATABASE_URL: db.url,
      VARDE_DATA_DIR: dataDir, VARDE_MQTT_PORT: String(mqttPort), VARDE_MQTTS_PORT: '0', VARDE_HTTP_PORT: '0',
      VARDE_SERVICE_SECRET: serviceSecret, VARDE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Varde is running')) {
        child.removeAllListeners('exit')
        resolve(child)
      }
    })
  })
}

const kill = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    child.once('close', () => resolve())
    child.kill(signal)
  })

describe('broker killed and restarted twice under load', () => {
  it('stores exactly 10,000 readings, receipts every batch, stores none twice', async () => {
    let broker = await spawnBroker()
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-broker-kill', rules: false })
    await ingest.ready
    const gateways = Array.from({ length: GATEWAYS }, (_, i) => {
      const id = `demo-gw-${String(i + 1).padStart(3, '0')}`
      return new SimGateway({ gatewayId: id, secret: `${id}-secret`, mqttUrl, resendAfterMs: 3000, maxResendAfterMs: 12_000, reconnectPeriodMs: 300, logger })
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
        receipts.push(await g.sendBatch(measurements, { batchId: `${g.gatewayId}-b${b}` }))
        receipted += READINGS_PER_BATCH
        if (receipted >= 2_000) milestones[0]!.resolve()
        if (receipted >= 6_000) milestones[1]!.resolve()
      }
      return receipts
    })
    for (const milestone of milestones) {
      await milestone.promise
      await kill(broker, 'SIGKILL')
      broker = await spawnBroker()
    }
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
    await ingest.stop()
    ingest = undefined
    await kill(broker, 'SIGTERM')
  }, 240_000)
})
