import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createBroker, type VardeBroker } from '@varde/broker'
import { seedDemo } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { deliverThroughTwoKills, spawnUntilReady, stopProcess } from './delivery-under-kills.js'

// Issue 3's delivery proof, ingest's half (broker-kill.test.ts kills the
// broker): 10,000 readings from resending gateways while the ingest PROCESS
// is killed (SIGKILL, no goodbye) and restarted twice. Exactly 10,000
// stored, every batch receipted, none stored twice.
const INGEST_MAIN = fileURLToPath(new URL('../../ingest/dist/main.js', import.meta.url))
const logger = pino({ level: 'silent' })
const serviceSecret = 'kill-test-secret-0123456789abcdef'
let db: TestDatabase
let broker: VardeBroker
let mqttUrl: string
let ingest: ChildProcess | undefined

beforeAll(async () => {
  if (!existsSync(INGEST_MAIN)) throw new Error(`${INGEST_MAIN} is missing: build first (npm run build)`)
  db = await startTestDatabase()
  await seedDemo(db.pool)
  broker = await createBroker({ db: db.pool, logger, serviceSecret, mode: 'demo' })
  mqttUrl = `mqtt://127.0.0.1:${await broker.listen(0, '127.0.0.1')}`
})
afterAll(async () => {
  if (ingest) await stopProcess(ingest, 'SIGKILL')
  await broker?.close()
  await db?.stop()
})

/** Ingest as its own process, resolved once it is subscribed. */
const spawnIngest = () => spawnUntilReady(INGEST_MAIN, {
  DATABASE_URL: db.url, VARDE_MQTT_URL: mqttUrl, VARDE_SERVICE_SECRET: serviceSecret, VARDE_LOG_LEVEL: 'info', VARDE_INGEST_CLIENT_ID: 'ingest-kill-test',
}, '"event":"ready"')

describe('ingest killed and restarted twice under load', () => {
  it('stores exactly 10,000 readings, receipts every batch, stores none twice', async () => {
    ingest = await spawnIngest()
    await deliverThroughTwoKills(db, mqttUrl, logger, async () => {
      if (ingest) await stopProcess(ingest, 'SIGKILL')
      ingest = await spawnIngest()
    })
    await stopProcess(ingest, 'SIGTERM')
    ingest = undefined
  }, 240_000)
})
