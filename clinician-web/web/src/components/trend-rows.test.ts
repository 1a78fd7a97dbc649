import type { Trend } from '@varde/api-contract'
import { expect, test } from 'vitest'
import { measurement } from '../testing/fixtures'
import { appendReadings, buildTrendRows } from './trend-rows'
import { VITAL_GROUPS } from './vital-groups'

const bp = VITAL_GROUPS.find((g) => g.id === 'bp')!
const trend = (vital: string, resolution: Trend['resolution'], points: Trend['points']): Trend => ({
  vital,
  resolution,
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-03-10T00:00:00.000Z',
  points,
})

test("blood pressure's two trends become one row per bucket, each type with its envelope", () => {
  const at = '2026-03-05T00:00:00.000Z'
  const rows = buildTrendRows(bp, {
    'bp-systolic': trend('bp-systolic', 86400, [{ at, n: 3, min: 130, max: 150, mean: 140 }]),
    'bp-diastolic': trend('bp-diastolic', 86400, [{ at, n: 3, min: 80, max: 95, mean: 88 }]),
  })
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    values: { 'bp-systolic': 140, 'bp-diastolic': 88 },
    envelope: { 'bp-systolic': [130, 150], 'bp-diastolic': [80, 95] },
    n: 3,
    unit: 'mm[Hg]',
    isLate: false,
  })
})

test('raw points keep their flags (late, clock-adjusted) and have no envelope', () => {
  const spo2 = VITAL_GROUPS.find((g) => g.id === 'spo2')!
  const rows = buildTrendRows(spo2, {
    spo2: trend('spo2', 'raw', [
      { at: '2026-03-05T08:00:00.000Z', n: 1, min: 92, max: 92, mean: 92, flags: ['late'] },
      { at: '2026-03-05T09:00:00.000Z', n: 1, min: 93, max: 93, mean: 93, flags: ['clock-adjusted'] },
    ]),
  })
  expect(rows.map((r) => [r.isLate, r.isClockAdjusted, r.envelope])).toEqual([
    [true, false, undefined],
    [false, true, undefined],
  ])
})

test('a live reading is appended once, and only to its own vital from the trend start on', () => {
  const base = trend('spo2', 'raw', [])
  const reading = measurement('m1', 'spo2', 88, '%', '2026-03-09T10:00:00.000Z')
  const once = appendReadings(base, [reading, measurement('m2', 'pulse', 80, '/min', reading.measuredAt)])
  expect(once.points).toEqual([{ at: reading.measuredAt, n: 1, min: 88, max: 88, mean: 88 }])
  expect(appendReadings(once, [reading])).toBe(once)
  expect(appendReadings(base, [measurement('m0', 'spo2', 90, '%', '2026-02-01T00:00:00.000Z')])).toBe(base)
})
