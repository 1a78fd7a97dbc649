import { describe, expect, it } from 'vitest'
import { acceptedUnits, roundTo, toCanonicalUnit } from './units.js'

describe('toCanonicalUnit', () => {
  it.each([
    ['body-weight', 100, '[lb_av]', 45.359],
    ['body-temperature', 212, '[degF]', 100],
    ['body-temperature', -40, '[degF]', -40],
    ['bp-systolic', 13.3322387415, 'kPa', 100],
    ['blood-glucose', 18.016, 'mg/dL', 1],
    ['blood-glucose', 0.00018016, 'kg/L', 1],
    ['blood-glucose', 0.001, 'mol/L', 1],
  ] as const)('%s: %s %s is %s in the canonical unit', (type, value, unit, expected) => {
    expect(toCanonicalUnit(type, value, unit)).toMatchObject({
      value: expected,
      originalValue: value,
      originalUnit: unit,
    })
  })

  it('keeps a value in the canonical unit exactly as sent', () => {
    expect(toCanonicalUnit('body-weight', 82.40000001, 'kg')).toEqual({
      value: 82.40000001,
      unit: 'kg',
      originalValue: null,
      originalUnit: null,
    })
  })

  it.each([
    ['spo2', 'kPa'],
    ['pulse', 'kg'],
    ['body-weight', 'lb'],
    ['body-weight', 'toString'],
    ['body-weight', '__proto__'],
  ] as const)('%s in %s is a unit mismatch', (type, unit) => {
    expect(toCanonicalUnit(type, 1, unit)).toBeNull()
  })

  it('lists the accepted units, canonical first', () => {
    expect(acceptedUnits('blood-glucose')).toEqual(['mmol/L', 'mg/dL', 'kg/L', 'mol/L'])
  })

  it('rounds without yielding -0', () => {
    expect(Object.is(roundTo(-0.0001, 2), 0)).toBe(true)
    expect(roundTo(82.37199999, 3)).toBe(82.372)
  })
})
