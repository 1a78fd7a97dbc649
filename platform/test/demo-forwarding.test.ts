import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPlatformConfig } from '@varde/config'
import mqtt from 'mqtt'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// the GP's FHIR server of the forwarding suite: Medplum's, in a process of its own
import { startMedplumReceiver, type MedplumReceiver } from '../../forwarding/test/medplum-receiver.js'
import { startPlatform, type RunningPlatform } from '../src/index.js'

/**
 * platform-contract.md "Forwarding (demo mode)", as `npm start` composes it:
 * the demo GP practice is a recipient for the patients the GP is on the care
 * team of; a red alert reaches its endpoint (VARDE_DEMO_GP_FHIR_URL) within
 * 10 s, an endpoint that fails is tried again with backoff until it answers
 * and gets the delivery once; unset, the built-in receiver takes it and the
 * delivery shows as delivered.
 */
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' })
let dataDir: string
let receiver: MedplumReceiver

const config = (env: Record<string, string> = {}) =>
  loadPlatformConfig({
    VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
    VARDE_SERVICE_SECRET: 'platform-test-secret-0123456789abcdef', VARDE_PARTS: 'broker,ingest,forwarding', ...env,
  })

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-demo-forwarding-'))
  receiver = await startMedplumReceiver()
})
afterAll(async () => {
  await receiver?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

let batches = 0
async function sendRedReading(platform: RunningPlatform): Promise<Date> {
  const home = platform.demoHomes[0]! // Kari Nordmann: COPD, the GP on her team
  const client = await mqtt.connectAsync(platform.mqttUrl, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, protocolVersion: 4 })
  const receipt = new Promise((resolve) => client.once('message', resolve))
  await client.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
  const sentAt = new Date()
  await client.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({
    batchId: `demo-fwd-${++batches}-${sentAt.getTime()}`, sentAt: sentAt.toISOString(),
    measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 80, unit: '%', measuredAt: new Date(sentAt.getTime() - 1000).toISOString() }],
  }), { qos: 1 })
  await receipt
  await client.endAsync()
  return sentAt
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function withDatabase<T>(platform: RunningPlatform, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: platform.databaseUrl })
  await db.connect()
  try {
    return await fn(db)
  } finally {
    await db.end()
  }
}

describe('forwarding in demo mode', () => {
  it('a red alert reaches VARDE_DEMO_GP_FHIR_URL within 10 s although it refused the first two tries, once', async () => {
    await receiver.failNext(['refuse', 'refuse'])
    const platform = await startPlatform(config({ VARDE_DEMO_GP_FHIR_URL: receiver.url }), logger)
    try {
      expect(platform.demoGpFhirUrl).toBe(receiver.url)
      const sentAt = await sendRedReading(platform)
      const [communication] = await until('the Communication at the GP', async () => {
        const found = await receiver.search('Communication?priority=urgent')
        return found.length ? found : undefined
      }, 10_000)
      expect(Date.now() - sentAt.getTime()).toBeLessThan(10_000)
      expect(communication).toMatchObject({ subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12814112355' } } })
      const state = await receiver.state()
      expect(state.refused503).toBe(2)
      expect(state.invalid).toEqual([])
      const outbox = await withDatabase(platform, async (db) => (await db.query(`SELECT status, attempts FROM forwarding_outbox WHERE kind = 'alert'`)).rows)
      expect(outbox).toEqual([{ status: 'delivered', attempts: 3 }])
      expect(await receiver.search('Flag')).toHaveLength(1)
    } finally {
      await platform.stop()
    }
  })

  it('without VARDE_DEMO_GP_FHIR_URL the receiver built into demo mode takes it, and the delivery shows as delivered', async () => {
    const platform = await startPlatform(config(), logger)
    try {
      expect(platform.demoGpFhirUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/)
      // the alert of the first test is still open: resolve it, so this reading opens a new one
      await withDatabase(platform, (db) => db.query(`UPDATE alerts SET status = 'resolved', resolved_at = now(), outcome = 'no-action-needed', acknowledged_at = now()`))
      const sentAt = await sendRedReading(platform)
      await until('delivered', () => withDatabase(platform, async (db) =>
        (await db.query(`SELECT 1 FROM forwarding_outbox WHERE kind = 'alert' AND status = 'delivered' AND created_at >= $1`, [new Date(sentAt.getTime() - 5_000)])).rows.length > 0), 10_000)
    } finally {
      await platform.stop()
    }
  })
})
