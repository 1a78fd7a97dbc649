import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad } from '../src/index.js'
import { JudgingPlatform } from './support/judging-platform.js'
import { Mosquitto } from './support/mosquitto.js'

let broker: Mosquitto
let platform: JudgingPlatform

beforeAll(async () => {
  broker = await Mosquitto.start()
  platform = await JudgingPlatform.start(broker.url)
})
afterAll(async () => {
  await platform?.close()
  await broker?.stop()
})

describe('runLoad', () => {
  it('sends the rate for the duration, stops by itself and reports figures', async () => {
    const progress: string[] = []
    const report = await runLoad({
      mqttUrl: broker.url,
      gateways: ['load-gw-001', 'load-gw-002', 'load-gw-003'].map((id) => ({ id, secret: `${id}-secret` })),
      ratePerSecond: 200,
      durationSeconds: 1.5,
      batchSize: 10,
      drainSeconds: 10,
      onProgress: (p) => progress.push(p.phase),
    })
    expect(report).toMatchObject({
      gateways: 3,
      gatewayErrors: 0,
      batchesSent: 30,
      measurementsSent: 300,
      batchesReceipted: 30,
      accepted: 300,
      duplicate: 0,
      rejected: 0,
      unreceipted: 0,
      errors: 0,
    })
    expect(report.latencyMs?.count).toBe(30)
    expect(report.latencyMs?.p50).toBeGreaterThan(0)
    expect(report.latencyMs?.p99).toBeGreaterThanOrEqual(report.latencyMs?.p50 ?? 0)
    expect(report.sendSeconds).toBeGreaterThan(1)
    expect(report.sendSeconds).toBeLessThan(3)
    expect(report.throughput.sentPerSecond).toBeGreaterThan(100)
    expect(new Set(platform.readings.map((r) => r.gatewayId))).toEqual(new Set(['load-gw-001', 'load-gw-002', 'load-gw-003']))
    expect(progress).toContain('send')
  })

  it('counts gateways that cannot connect as errors and goes on with the others', async () => {
    const secured = await Mosquitto.start({ users: { 'load-gw-010': 'load-gw-010-secret' } })
    try {
      const report = await runLoad({
        mqttUrl: secured.url,
        gateways: [
          { id: 'load-gw-010', secret: 'load-gw-010-secret' },
          { id: 'load-gw-011', secret: 'not-provisioned' },
        ],
        ratePerSecond: 20,
        durationSeconds: 0.5,
        batchSize: 5,
        drainSeconds: 0.5,
      })
      // Nobody receipts on this broker: the batches are reported unreceipted, not waited for forever.
      expect(report).toMatchObject({ gateways: 1, gatewayErrors: 1, batchesSent: 2, batchesReceipted: 0, unreceipted: 2 })
      expect(report.errors).toBe(2)
      expect(report.errorSamples.join('\n')).toMatch(/load-gw-011 could not connect/)
    } finally {
      await secured.stop()
    }
  })

  it('fails clearly when no gateway can connect', async () => {
    await expect(
      runLoad({ mqttUrl: 'mqtt://127.0.0.1:1', gateways: [{ id: 'load-gw-020', secret: 's' }], ratePerSecond: 10, durationSeconds: 1, batchSize: 1 }),
    ).rejects.toThrow(/no gateway could connect/)
  })
})
