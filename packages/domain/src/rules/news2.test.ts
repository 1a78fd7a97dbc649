import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { computeNews2, news2ParameterScore, type News2Parameter } from './news2.js'
import type { News2Params } from './rule-set.js'

const air1 = { spo2Scale: 1, isOnSupplementalOxygen: false } as const
const air2 = { spo2Scale: 2, isOnSupplementalOxygen: false } as const
const oxygen2 = { spo2Scale: 2, isOnSupplementalOxygen: true } as const

// Every band edge of NEWS2 Chart 1 (RCP 2017).
const chart: [News2Parameter, number, typeof air1 | typeof air2 | typeof oxygen2, number][] = [
  ['respiratory-rate', 8, air1, 3],
  ['respiratory-rate', 9, air1, 1],
  ['respiratory-rate', 11, air1, 1],
  ['respiratory-rate', 12, air1, 0],
  ['respiratory-rate', 20, air1, 0],
  ['respiratory-rate', 21, air1, 2],
  ['respiratory-rate', 24, air1, 2],
  ['respiratory-rate', 25, air1, 3],
  ['spo2', 91, air1, 3],
  ['spo2', 92, air1, 2],
  ['spo2', 93, air1, 2],
  ['spo2', 94, air1, 1],
  ['spo2', 95, air1, 1],
  ['spo2', 96, air1, 0],
  ['spo2', 83, air2, 3],
  ['spo2', 84, air2, 2],
  ['spo2', 85, air2, 2],
  ['spo2', 86, air2, 1],
  ['spo2', 87, air2, 1],
  ['spo2', 88, air2, 0],
  ['spo2', 92, air2, 0],
  ['spo2', 98, air2, 0],
  ['spo2', 92, oxygen2, 0],
  ['spo2', 93, oxygen2, 1],
  ['spo2', 94, oxygen2, 1],
  ['spo2', 95, oxygen2, 2],
  ['spo2', 96, oxygen2, 2],
  ['spo2', 97, oxygen2, 3],
  ['bp-systolic', 90, air1, 3],
  ['bp-systolic', 91, air1, 2],
  ['bp-systolic', 100, air1, 2],
  ['bp-systolic', 101, air1, 1],
  ['bp-systolic', 110, air1, 1],
  ['bp-systolic', 111, air1, 0],
  ['bp-systolic', 219, air1, 0],
  ['bp-systolic', 220, air1, 3],
  ['pulse', 40, air1, 3],
  ['pulse', 41, air1, 1],
  ['pulse', 50, air1, 1],
  ['pulse', 51, air1, 0],
  ['pulse', 90, air1, 0],
  ['pulse', 90.5, air1, 0],
  ['pulse', 91, air1, 1],
  ['pulse', 110, air1, 1],
  ['pulse', 111, air1, 2],
  ['pulse', 130, air1, 2],
  ['pulse', 131, air1, 3],
  ['body-temperature', 35.0, air1, 3],
  ['body-temperature', 35.1, air1, 1],
  ['body-temperature', 36.0, air1, 1],
  ['body-temperature', 36.1, air1, 0],
  ['body-temperature', 38.0, air1, 0],
  ['body-temperature', 38.1, air1, 1],
  ['body-temperature', 39.0, air1, 1],
  ['body-temperature', 39.1, air1, 2],
]

describe('news2ParameterScore: NEWS2 Chart 1', () => {
  it.each(chart)('%s %s (scale %j) scores %i', (type, value, options, points) => {
    expect(news2ParameterScore(type, value, options)).toBe(points)
  })
})

function r(type: VitalType, value: number, at: string): Reading {
  return {
    measurementId: `${type}@${at}`,
    deviceId: 'D',
    type,
    value,
    unit: '',
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date(at),
    flags: [],
    battery: null,
    source: 'decoded',
  }
}

const params: News2Params = {
  spo2Scale: 1,
  isOnSupplementalOxygen: false,
  yellowScore: 5,
  redScore: 7,
  windowMinutes: 60,
  minParameters: 3,
  hysteresis: 1,
}

describe('computeNews2: the observations of one hour', () => {
  const at = new Date('2026-01-01T10:00:00Z')

  it('uses the latest reading of each parameter within the window', () => {
    const result = computeNews2(
      params,
      [
        r('spo2', 90, '2026-01-01T08:30:00Z'), // outside the hour
        r('spo2', 95, '2026-01-01T09:10:00Z'),
        r('pulse', 120, '2026-01-01T09:10:00Z'),
        r('pulse', 95, '2026-01-01T09:50:00Z'),
        r('respiratory-rate', 22, '2026-01-01T10:00:00Z'),
        r('body-weight', 80, '2026-01-01T10:00:00Z'), // not a NEWS2 parameter
        r('spo2', 85, '2026-01-01T10:05:00Z'), // after `at`
      ],
      at,
    )
    expect(result?.score).toBe(1 + 1 + 2)
    expect(result?.parameters.map((p) => [p.type, p.reading.value, p.points])).toEqual([
      ['respiratory-rate', 22, 2],
      ['spo2', 95, 1],
      ['pulse', 95, 1],
    ])
  })

  it('gives no score from fewer parameters than the rule asks for', () => {
    expect(
      computeNews2(
        params,
        [r('spo2', 80, '2026-01-01T10:00:00Z'), r('pulse', 140, '2026-01-01T10:00:00Z')],
        at,
      ),
    ).toBeNull()
  })

  it('adds 2 for supplemental oxygen', () => {
    const readings = [
      r('spo2', 96, '2026-01-01T10:00:00Z'),
      r('pulse', 70, '2026-01-01T10:00:00Z'),
      r('respiratory-rate', 16, '2026-01-01T10:00:00Z'),
    ]
    expect(computeNews2({ ...params, isOnSupplementalOxygen: true }, readings, at)?.score).toBe(2)
    expect(
      computeNews2({ ...params, spo2Scale: 2, isOnSupplementalOxygen: true }, readings, at)?.score,
    ).toBe(2 + 2)
  })
})
