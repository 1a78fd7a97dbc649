import { loadReadingsForRules, seedDemo, storeBatches, type DemoHome, type ReadingsRequest } from '@varde/db'
import { startTestDatabase, type TestDatabase } from '@varde/db/testing'
import type { Reading, VitalType } from '@varde/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReadingHistory } from '../src/reading-history.js'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
let db: TestDatabase
let homes: DemoHome[]

beforeAll(async () => {
  db = await startTestDatabase()
  homes = (await seedDemo(db.pool)).slice(0, 3)
})
afterAll(async () => db?.stop())

/** What the rules of a COPD patient look back on: SpO2 baseline (15 days), weight trend (4 days), NEWS2 vitals (1 hour). */
const needs: ReadingsRequest['needs'] = { spo2: 15 * DAY, 'body-weight': 4 * DAY, 'heart-rate': 60 * MINUTE, 'respiratory-rate': 60 * MINUTE }
const types: VitalType[] = ['spo2', 'body-weight', 'heart-rate', 'respiratory-rate', 'body-temperature']
const units: Record<string, string> = { spo2: '%', 'body-weight': 'kg', 'heart-rate': '/min', 'respiratory-rate': '/min', 'body-temperature': 'Cel' }

// a fixed sequence (no flaky seeds): a linear congruential generator
let seed = 42
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
let n = 0
let lastMeasuredAt = 0
/** As the rules queue keeps it: per patient, when its oldest reading not yet judged was received. */
const pendingSince = new Map<string, Date>()

/** Stores `count` readings for a home: mostly just measured, some late (up to 3 days old), each at its own millisecond. */
async function store(home: DemoHome, count: number, type?: VitalType): Promise<void> {
  const readings: Reading[] = Array.from({ length: count }, () => {
    const late = random() < 0.15
    // unique times: the rules' history is the newest N per vital, and a tie at the N-th would make either answer right
    const at = late ? Date.now() - Math.floor(random() * 3 * DAY) : Math.max(lastMeasuredAt + 1, Date.now() - Math.floor(random() * 30 * MINUTE))
    if (!late) lastMeasuredAt = at
    const t = type ?? types[Math.floor(random() * types.length)]!
    return {
      measurementId: `m${n++}`, deviceId: 'dev-1', type: t, value: 90 + Math.round(random() * 10), unit: units[t]!, originalValue: null,
      originalUnit: null, measuredAt: new Date(at + (late ? n : 0)), flags: late ? ['late'] : [], battery: null, source: 'decoded',
    }
  })
  const receivedAt = new Date()
  if (!pendingSince.has(home.patientId)) pendingSince.set(home.patientId, receivedAt)
  await storeBatches(db.pool, [{ gatewayId: home.gatewayId, tenantId: 'demo', patientId: home.patientId, batchId: `b${n}`, receivedAt, readings, rejections: [] }])
}

const ids = (m: Map<string, { storedId: string }[]>) => new Map([...m].map(([patient, list]) => [patient, list.map((r) => r.storedId)]))

describe('the history the rules judge with, kept between rounds', () => {
  it('gives every round what loading it whole gives, while loading each patient whole only once', async () => {
    // no overlap: what a round reads since the claim's pendingSince must be enough
    const history = new ReadingHistory(db.pool, { overlapMs: 0 })
    for (const home of homes) await store(home, 30)
    for (let round = 0; round < 25; round++) {
      // readings for some patients, now and then a burst past the 100 kept of a NEWS2 vital
      for (const home of homes) {
        if (random() < 0.6) await store(home, 1 + Math.floor(random() * 8))
        if (round % 10 === 5) await store(home, 120, 'heart-rate')
      }
      // judged are only some: the others' readings are merged into their history at their next round
      const judged = homes.filter(() => random() < 0.7)
      const requests = judged.map((home) => ({ patientId: home.patientId, pendingSince: pendingSince.get(home.patientId) ?? new Date(), needs }))
      judged.forEach((home) => pendingSince.delete(home.patientId))
      const [kept, whole] = [await history.load(requests), await loadReadingsForRules(db.pool, requests)]
      expect(ids(kept), `round ${round}`).toEqual(ids(whole))
    }
    expect(history.stats().loads).toBe(homes.length)
    expect(history.stats().hits).toBeGreaterThan(30)
  })

  it('loads a history whole again when the rules look back further (an override), or after reloadAfterMs', async () => {
    let now = Date.now()
    const history = new ReadingHistory(db.pool, { reloadAfterMs: 10 * MINUTE, now: () => now })
    const home = homes[0]!
    const request = (n: ReadingsRequest['needs']) => [{ patientId: home.patientId, pendingSince: new Date(now - 10 * DAY), needs: n }]
    await history.load(request(needs))
    await history.load(request(needs))
    expect(history.stats()).toMatchObject({ hits: 1, loads: 1 })
    const further = { ...needs, 'body-weight': 8 * DAY }
    expect(ids(await history.load(request(further)))).toEqual(ids(await loadReadingsForRules(db.pool, request(further))))
    expect(history.stats()).toMatchObject({ hits: 1, loads: 2 })
    now += 11 * MINUTE
    await history.load(request(further))
    expect(history.stats()).toMatchObject({ hits: 1, loads: 3 })
  })

  it('keeps at most maxReadings: histories due for a whole load make room, and a new one that does not fit is not kept', async () => {
    let now = Date.now()
    const request = (home: DemoHome) => [{ patientId: home.patientId, pendingSince: new Date(0), needs }]
    const sizeOf = async (home: DemoHome) => {
      const probe = new ReadingHistory(db.pool)
      await probe.load(request(home))
      return probe.stats().readings
    }
    const [first, second] = [await sizeOf(homes[0]!), await sizeOf(homes[1]!)]
    expect(Math.min(first, second)).toBeGreaterThan(0)
    // room for either, not for both
    const history = new ReadingHistory(db.pool, { maxReadings: Math.max(first, second), reloadAfterMs: 10 * MINUTE, now: () => now })
    await history.load(request(homes[0]!))
    await history.load(request(homes[1]!)) // no room: not kept
    await history.load(request(homes[1]!))
    await history.load(request(homes[0]!)) // still kept
    expect(history.stats()).toMatchObject({ hits: 1, loads: 3, patients: 1, readings: first })
    now += 11 * MINUTE // homes[0] is due for a whole load: it makes room
    await history.load(request(homes[1]!))
    await history.load(request(homes[1]!))
    expect(history.stats()).toMatchObject({ hits: 2, loads: 4, patients: 1, readings: second })
  })
})
