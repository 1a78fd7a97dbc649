import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { startIngest, type IngestService } from '@varde/ingest'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { deliverThroughTwoKills, spawnUntilReady, stopProcess } from './delivery-under-kills.js'

// Issue 3's delivery proof, the broker's half (ingest-kill.test.ts kills
// ingest): 10,000 readings from resending gateways while the BROKER process,
// with its sessions and queues on disk behind a write-back cache
// (docs/decisions/0007-broker-write-back.md), is killed (SIGKILL, nothing
// flushed) and restarted twice. Exactly 10,000 stored, every batch
// receipted, none stored twice.
const PLATFORM_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const logger = pino({ level: 'silent' })
const serviceSecret = 'broker-kill-secret-0123456789abcdef'
let db: TestDatabase
let dataDir: string
let mqttPort: number
let ingest: IngestService | undefined
let broker: ChildProcess | undefined

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
  if (broker) await stopProcess(broker, 'SIGKILL')
  await db?.stop()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

/** The broker alone, as a deployment runs it (`VARDE_PARTS=broker`), on the same port and data directory each time. */
const spawnBroker = () => spawnUntilReady(PLATFORM_MAIN, {
  VARDE_MODE: 'demo', VARDE_PARTS: 'broker', VARDE_SIMULATOR: 'off', DATABASE_URL: db.url, VARDE_DATA_DIR: dataDir,
  VARDE_MQTT_PORT: String(mqttPort), VARDE_MQTTS_PORT: '0', VARDE_HTTP_PORT: '0', VARDE_SERVICE_SECRET: serviceSecret, VARDE_LOG_LEVEL: 'warn',
}, 'Varde is running')

describe('broker killed and restarted twice under load', () => {
  it('stores exactly 10,000 readings, receipts every batch, stores none twice', async () => {
    broker = await spawnBroker()
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    ingest = startIngest({ db: db.pool, mqttUrl, serviceSecret, logger, clientId: 'ingest-broker-kill' })
    await ingest.ready
    await deliverThroughTwoKills(db, mqttUrl, logger, async () => {
      if (broker) await stopProcess(broker, 'SIGKILL')
      broker = await spawnBroker()
    }, { reconnectPeriodMs: 300 })
    await ingest.stop()
    ingest = undefined
    await stopProcess(broker, 'SIGTERM')
    broker = undefined
  }, 240_000)
})
