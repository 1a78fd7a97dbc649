import { expect, test } from 'vitest'
import { bandAreas, innerLimits } from './threshold-bands'

const limit = (value: number) => ({ value, isInclusive: true })

test('a low-side vital (SpO2, COPD): red below the red limit, yellow up to the yellow one', () => {
  const bands = { vital: 'spo2' as const, red: { low: limit(83) }, yellow: { low: limit(87) }, hysteresis: 1 }
  expect(bandAreas(bands)).toEqual([
    { severity: 'red', y2: 83 },
    { severity: 'yellow', y1: 83, y2: 87 },
  ])
  expect(innerLimits(bands)).toEqual([87])
})

test('both sides (pulse): yellow only where it is inside red, red beyond', () => {
  const bands = {
    vital: 'pulse' as const,
    red: { low: limit(40), high: limit(131) },
    yellow: { high: limit(111) },
    hysteresis: 2,
  }
  expect(bandAreas(bands)).toEqual([
    { severity: 'red', y2: 40 },
    { severity: 'yellow', y1: 111, y2: 131 },
    { severity: 'red', y1: 131 },
  ])
  expect(innerLimits(bands)).toEqual([40, 111])
})

test('no threshold rule: nothing drawn', () => {
  expect(bandAreas(undefined)).toEqual([])
  expect(innerLimits(undefined)).toEqual([])
})
