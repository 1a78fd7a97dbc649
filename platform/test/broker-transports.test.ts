import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPlatformConfig } from '@varde/config'
import mqtt, { type IClientOptions } from 'mqtt'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlatform, type RunningPlatform } from '../src/index.js'

// The composition root wires the broker's transports: MQTTS with the demo
// self-signed certificate (kept in $VARDE_DATA_DIR/tls), and MQTT over
// WebSocket at /mqtt on the API server's port. A WebSocket client still
// connected must not hold up a clean stop.
const logger = pino({ level: 'silent' })
let dataDir: string
let platform: RunningPlatform

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varde-platform-transports-'))
  platform = await startPlatform(loadPlatformConfig({
    VARDE_MODE: 'demo', VARDE_SIMULATOR: 'off', VARDE_HTTP_PORT: '0', VARDE_MQTT_PORT: '0', VARDE_DATA_DIR: dataDir,
    VARDE_SERVICE_SECRET: 'platform-transports-secret-0123456789abcdef', VARDE_PARTS: 'broker,ingest,server',
  }), logger)
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

async function receiptOver(url: string, home: RunningPlatform['demoHomes'][number], batchId: string, options: IClientOptions = {}) {
  const gw = await mqtt.connectAsync(url, { clientId: home.gatewayId, username: home.gatewayId, password: home.secret, clean: false, protocolVersion: 4, reconnectPeriod: 0, ...options })
  await gw.subscribeAsync(`varde/v1/gateways/${home.gatewayId}/receipts`, { qos: 1 })
  const receipt = new Promise((resolve) => gw.once('message', (_t, p) => resolve(JSON.parse(p.toString()))))
  await gw.publishAsync(`varde/v1/gateways/${home.gatewayId}/measurements`, JSON.stringify({
    batchId, sentAt: new Date().toISOString(),
    measurements: [{ id: 'm1', deviceId: 'AA:BB:CC:00:11:22', type: 'spo2', value: 96, unit: '%', measuredAt: new Date().toISOString() }],
  }), { qos: 1 })
  return { gw, receipt: await receipt }
}

describe('the broker\'s transports in the platform', () => {
  it('serves MQTTS with the demo certificate from the data directory', async () => {
    expect(platform.mqttsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/)
    const ca = await readFile(join(dataDir, 'tls', 'mqtt-cert.pem'), 'utf8')
    const { gw, receipt } = await receiptOver(platform.mqttsUrl, platform.demoHomes[0]!, 'p-tls-1', { ca })
    expect(receipt).toMatchObject({ batchId: 'p-tls-1', accepted: ['m1'] })
    await gw.endAsync()
  })

  it('serves MQTT over WebSocket at /mqtt on the HTTP port, next to the API, and stops cleanly with a client connected', async () => {
    expect(platform.mqttWebSocketUrl).toBe(`${platform.httpUrl.replace('http', 'ws')}/mqtt`)
    const { gw, receipt } = await receiptOver(platform.mqttWebSocketUrl, platform.demoHomes[1]!, 'p-ws-1')
    expect(receipt).toMatchObject({ batchId: 'p-ws-1', accepted: ['m1'] })
    expect((await fetch(`${platform.httpUrl}/healthz`)).status).toBeLessThan(600)
    const metrics = await (await fetch(`${platform.httpUrl}/metrics`)).text()
    expect(metrics).toContain('# TYPE varde_broker_connected_gateways gauge')
    const cut = new Promise<void>((resolve) => gw.once('close', () => resolve()))
    await platform.stop()
    await cut
    gw.end(true)
  })
})
