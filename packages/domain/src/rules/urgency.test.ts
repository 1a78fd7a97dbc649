import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import { CONDITION_PROFILES } from './profiles.js'
import { isPossiblyRed } from './urgency.js'

const now = new Date('2026-11-23T12:00:00Z')
const reading = (type: string, value: number, extra: Partial<Reading> = {}): Reading => ({
  measurementId: 'm1', deviceId: 'd1', type: type as Reading['type'], value, unit: '', originalValue: null, originalUnit: null,
  measuredAt: new Date(now.getTime() - 60_000), flags: [], battery: null, source: 'decoded', ...extra,
})

describe('isPossiblyRed: which readings the rules judge first', () => {
  it.each([
    ['SpO2 80 %', reading('spo2', 80), true],
    ['SpO2 91 % (NEWS2 scale 1 red, ≤ 91)', reading('spo2', 91), true],
    ['SpO2 95 %', reading('spo2', 95), false],
    ['pulse 135/min', reading('pulse', 135), true],
    ['pulse 72/min', reading('pulse', 72), false],
    ['a red SpO2 sent late (store-and-forward) pages no one', reading('spo2', 80, { flags: ['late'] }), false],
    ['a red SpO2 measured two days ago, too', reading('spo2', 80, { measuredAt: new Date(now.getTime() - 48 * 3600_000) }), false],
    ['a type no threshold rule reads', reading('body-weight', 300), false],
  ])('%s', (_name, r, want) => {
    expect(isPossiblyRed(r, now)).toBe(want)
  })

  it.each([
    ['SpO2 89 % of a COPD patient (target 88–92)', 89, ['copd'], false],
    ['SpO2 89 % of anyone else', 89, [], true],
    ['SpO2 80 % of a COPD patient', 80, ['copd'], true],
  ] as const)('by the patient\'s conditions: %s', (_name, spo2, conditions, want) => {
    expect(isPossiblyRed(reading('spo2', spo2), now, conditions)).toBe(want)
  })

  it('is true just beyond every red limit of every default threshold rule of every profile', () => {
    for (const profile of Object.values(CONDITION_PROFILES)) {
      for (const rule of profile.rules) {
        if (rule.kind !== 'threshold') continue
        for (const v of rule.params.vitals) {
          if (v.red.low) expect(isPossiblyRed(reading(v.vital, v.red.low.value - (v.red.low.isInclusive ? 0 : 0.01)), now), `${profile.id} ${v.vital} low`).toBe(true)
          if (v.red.high) expect(isPossiblyRed(reading(v.vital, v.red.high.value + (v.red.high.isInclusive ? 0 : 0.01)), now), `${profile.id} ${v.vital} high`).toBe(true)
        }
      }
    }
  })
})
