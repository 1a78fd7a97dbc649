import type { Reading } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readOperationsGauges, seedDemo, storeBatches, type DemoHome } from '../src/index.js'
import { startTestDatabase, type TestDatabase } from '../src/testing.js'

// Both databases (the vitest projects node and node-postgres): the gauges /metrics shows.
let db: TestDatabase
let homes: DemoHome[]
beforeAll(async () => {
  db = await startTestDatabase()
  homes = await seedDemo(db.pool)
})
afterAll(async () => db?.stop())

describe('the operations gauges', () => {
  it('count the patients waiting for the rules and how long the oldest has waited, and the open alerts by severity', async () => {
    expect(await readOperationsGauges(db.pool)).toEqual({ ruleQueuePatients: 0, ruleQueueOldestSeconds: 0, openAlerts: { red: 0, yellow: 0 }, escalatedOpenAlerts: 0 })
    const reading = (i: number): Reading => ({
      measurementId: `g${i}`, deviceId: 'ox-1', type: 'spo2', value: 95, unit: '%', originalValue: null, originalUnit: null,
      measuredAt: new Date(Date.now() - i * 1000), flags: [], battery: null, source: 'decoded',
    })
    await storeBatches(db.pool, homes.slice(0, 3).map((home, i) => ({
      gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: `gauge-${i}`, receivedAt: new Date(), readings: [reading(i)], rejections: [],
    })))
    const gauges = await readOperationsGauges(db.pool)
    expect(gauges.ruleQueuePatients).toBe(3)
    expect(gauges.ruleQueueOldestSeconds).toBeGreaterThanOrEqual(0)
    expect(gauges.ruleQueueOldestSeconds).toBeLessThan(60)
  })
})
