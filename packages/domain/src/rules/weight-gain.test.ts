import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { RuleOf } from './rule-set.js'
import { evaluateWeightGain } from './weight-gain.js'

function weight(at: string, value: number): Reading {
  return {
    measurementId: at,
    deviceId: 'SC-1',
    type: 'body-weight',
    value,
    unit: 'kg',
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date(at),
    flags: [],
    battery: null,
    source: 'decoded',
  }
}

const rule: RuleOf<'weight-gain'> = {
  id: 'trend:weight-gain',
  kind: 'weight-gain',
  version: 'default:2026.1',
  params: { yellowGainKg: 2, redGainKg: 3, windowDays: 3, hysteresisKg: 0.5 },
  isEnabled: true,
  source: 'ESC 2021',
  origin: { kind: 'default', conditions: ['heart-failure'] },
}
const OSLO = 'Europe/Oslo'

function judge(now: Reading, earlier: Reading[]) {
  return evaluateWeightGain(rule, { at: now.measuredAt, readings: [now] }, earlier, OSLO)
}

describe('evaluateWeightGain', () => {
  it('compares with the lowest weight of the three previous calendar days', () => {
    const verdict = judge(weight('2026-02-07T07:00+01:00', 83.1), [
      weight('2026-02-03T07:00+01:00', 70.0), // four days ago: outside
      weight('2026-02-04T23:59+01:00', 81.0),
      weight('2026-02-05T07:00+01:00', 81.5),
      weight('2026-02-07T06:00+01:00', 79.0), // today: clothes and breakfast, not a reference
    ])
    expect(verdict).toMatchObject({
      kind: 'finding',
      finding: { severity: 'yellow', measures: { gainKg: 2.1, referenceKg: 81, days: 3 } },
    })
  })

  it('turns red at the red gain, and rounds away float noise (82.1 − 80.1 is 2.0)', () => {
    expect(
      judge(weight('2026-02-07T07:00+01:00', 84.1), [weight('2026-02-06T07:00+01:00', 81.1)]),
    ).toMatchObject({
      finding: {
        severity: 'red',
        summary: {
          nb: 'Vekt 84,1 kg: +3,0 kg på 1 dag, fra 81,1 kg (rød grense ≥ 3,0 kg på 3 dager)',
        },
      },
    })
    expect(
      judge(weight('2026-02-07T07:00+01:00', 82.1), [weight('2026-02-06T07:00+01:00', 80.1)]),
    ).toMatchObject({ finding: { severity: 'yellow' } })
  })

  it('counts calendar days across the spring DST change (a 23-hour day)', () => {
    expect(
      judge(weight('2026-03-31T07:00+02:00', 82.0), [weight('2026-03-28T07:30+01:00', 80.0)]),
    ).toMatchObject({ finding: { measures: { days: 3 } } })
    expect(
      judge(weight('2026-04-01T07:00+02:00', 82.0), [weight('2026-03-28T07:30+01:00', 80.0)]),
    ).toBeNull()
  })

  it('is over below the gain minus hysteresis, unchanged in between, silent without a reference', () => {
    expect(
      judge(weight('2026-02-07T07:00+01:00', 81.4), [weight('2026-02-06T07:00+01:00', 80.0)]),
    ).toMatchObject({ kind: 'over' })
    expect(
      judge(weight('2026-02-07T07:00+01:00', 81.5), [weight('2026-02-06T07:00+01:00', 80.0)]),
    ).toBeNull()
    expect(judge(weight('2026-02-07T07:00+01:00', 99), [])).toBeNull()
  })
})
