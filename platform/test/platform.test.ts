import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadPlatformConfig } from '@varde/config'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatform, type RunningPlatform } from '../src/index.js'

const run = promisify(execFile)
const logger = pino({ level: 'silent' })
let dataDir: string

const config = (parts = 'broker,ingest,server') =>
  loadPlatformConfig({
    VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
    VARDE_SERVICE_SECRET: 'platform-test-secret-0123456789abcdef', VARDE_PARTS: parts,
  })

async function cookieFor(platform: RunningPlatform, username: string): Promise<string> {
  const res = await fetch(`${platform.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'demo' }) })
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-platform-test-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

describe('the platform in demo mode', () => {
  it('takes a batch from a third-party client (mosquitto_pub), receipts it, serves it over FHIR, and keeps it across a restart', async () => {
    let platform = await startPlatform(config(), logger)
    const port = new URL(platform.mqttUrl).port
    const home = platform.demoHomes[0]!
    // a receipt listener as the gateway itself (its own receipts topic)
    const gw = await mqtt.connectAsync(platform.mqttUrl, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4 })
    await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
    await gw.endAsync() // persistent session: the receipt waits for us
    const measuredAt = new Date(Date.now() - 5 * 60_000).toISOString()
    const batch = JSON.stringify({
      batchId: 'mosq-1', sentAt: new Date().toISOString(),
      measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'body-weight', value: 181.5, unit: '[lb_av]', measuredAt }],
    })
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-c', '-i', home.gatewayId, '-u', home.gatewayId, '-P', home.secret, '-q', '1', '-t', `varde/v1/gateways/${home.gatewayId}/measurements`, '-m', batch])
    const receipt = await receiveOne(platform.mqttUrl, home.gatewayId, home.secret)
    expect(receipt).toEqual({ batchId: 'mosq-1', accepted: ['m1'], duplicate: [], rejected: [] })

    const wrong = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', 'mqttv311', '-i', home.gatewayId, '-u', home.gatewayId, '-P', 'wrong', '-q', '1', '-t', `varde/v1/gateways/${home.gatewayId}/measurements`, '-m', batch]).then(() => 'accepted', (e: { stderr?: string }) => e.stderr ?? 'refused')
    expect(wrong).toMatch(/not authori[sz]ed|bad user name or password|refused/i)

    const readWeight = async () => {
      const cookie = await cookieFor(platform, 'sykepleier')
      const res = await fetch(`${platform.httpUrl}/fhir/Observation?patient=${home.patientId}&code=http://loinc.org|29463-7`, { headers: { cookie } })
      return (await res.json()) as { entry: { resource: { valueQuantity: { value: number; code: string }; effectiveDateTime: string } }[] }
    }
    const before = await readWeight()
    expect(before.entry).toHaveLength(1)
    expect(before.entry[0]?.resource.valueQuantity).toMatchObject({ code: 'kg' })
    expect(before.entry[0]?.resource.valueQuantity.value).toBeCloseTo(82.33, 1)

    await platform.stop()
    platform = await startPlatform(config(), logger)
    expect((await readWeight()).entry.map((e) => e.resource)).toEqual(before.entry.map((e) => e.resource))
    await platform.stop()
  })

  it('answers /healthz with 503 naming ingest when ingest is not running', async () => {
    const platform = await startPlatform(config('broker,server'), logger)
    try {
      const res = await fetch(`${platform.httpUrl}/healthz`)
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ status: 'fail', failing: ['ingest'] })
    } finally {
      await platform.stop()
    }
  })
})

async function receiveOne(url: string, gatewayId: string, secret: string): Promise<unknown> {
  // listening before the CONNACK: the broker sends the session's queued receipt right behind it, often in the
  // same TCP segment, and MQTT.js emits it before an awaited connectAsync() would let us attach a listener
  const client = mqtt.connect(url, { clientId: gatewayId, username: gatewayId, password: secret, clean: false, protocolVersion: 4 })
  const received = new Promise((resolve) => client.on('message', (_t, payload) => resolve(JSON.parse(payload.toString()))))
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    void client.subscribeAsync(`varde/v1/gateways/${gatewayId}/receipts`, { qos: 1 })
    return await received
  } finally {
    await client.endAsync()
  }
}
