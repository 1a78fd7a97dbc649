import { describe, expect, it } from 'vitest'
import {
  classifyValue,
  isClearOf,
  stricterBand,
  stricterLimit,
  type SeverityBands,
} from './band.js'

// NEWS2 SpO2 scale 1 as Varde uses it: red ≤ 91, yellow ≤ 93, hysteresis 1.
const spo2: SeverityBands = {
  red: { low: { value: 91, isInclusive: true } },
  yellow: { low: { value: 93, isInclusive: true } },
  hysteresis: 1,
}
// Glucose: red < 3.0 or ≥ 20.0, yellow < 4.0 or > 13.9, hysteresis 0.3.
const glucose: SeverityBands = {
  red: { low: { value: 3, isInclusive: false }, high: { value: 20, isInclusive: true } },
  yellow: { low: { value: 4, isInclusive: false }, high: { value: 13.9, isInclusive: false } },
  hysteresis: 0.3,
}

describe('classifyValue and isClearOf', () => {
  it.each([
    // value, severity, is the condition over?
    [spo2, 90, 'red', false],
    [spo2, 91, 'red', false],
    [spo2, 92, 'yellow', false],
    [spo2, 93, 'yellow', false],
    [spo2, 94, null, false], // dead band: not alarming, not over
    [spo2, 95, null, true],
    [glucose, 2.9, 'red', false],
    [glucose, 3.0, 'yellow', false],
    [glucose, 3.9, 'yellow', false],
    [glucose, 4.0, null, false],
    [glucose, 4.3, null, true],
    [glucose, 13.6, null, true],
    [glucose, 13.7, null, false],
    [glucose, 13.9, null, false],
    [glucose, 14.0, 'yellow', false],
    [glucose, 19.9, 'yellow', false],
    [glucose, 20.0, 'red', false],
  ] as const)('%#: %s → %s, over: %s', (bands, value, severity, isOver) => {
    expect(classifyValue(bands, value)).toBe(severity)
    expect(isClearOf(bands, value)).toBe(isOver)
  })
})

describe('stricter limits, for merging profiles', () => {
  it('takes the limit that alarms first on each side; inclusive wins a tie', () => {
    expect(
      stricterLimit('low', { value: 91, isInclusive: true }, { value: 88, isInclusive: true }),
    ).toEqual({ value: 91, isInclusive: true })
    expect(
      stricterLimit('high', { value: 220, isInclusive: true }, { value: 180, isInclusive: true }),
    ).toEqual({ value: 180, isInclusive: true })
    expect(
      stricterLimit('low', { value: 4, isInclusive: false }, { value: 4, isInclusive: true }),
    ).toEqual({ value: 4, isInclusive: true })
    expect(stricterLimit('high', undefined, { value: 1, isInclusive: true })).toEqual({
      value: 1,
      isInclusive: true,
    })
    expect(
      stricterBand(
        { low: { value: 90, isInclusive: true }, high: { value: 220, isInclusive: true } },
        { high: { value: 180, isInclusive: true } },
      ),
    ).toEqual({ low: { value: 90, isInclusive: true }, high: { value: 180, isInclusive: true } })
    expect(stricterBand({}, {})).toEqual({})
  })
})
