import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import { evaluateBaselineDeviation, median } from './baseline-deviation.js'
import type { RuleOf } from './rule-set.js'

function spo2(day: number, value: number, type: Reading['type'] = 'spo2'): Reading {
  return {
    measurementId: `d${day}`,
    deviceId: 'OX-1',
    type,
    value,
    unit: '%',
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date(Date.UTC(2026, 0, day, 8)),
    flags: [],
    battery: null,
    source: 'decoded',
  }
}

const rule: RuleOf<'baseline-deviation'> = {
  id: 'baseline:spo2',
  kind: 'baseline-deviation',
  version: 'default:2026.1',
  params: {
    vital: 'spo2',
    direction: 'below',
    yellowDelta: 4,
    redDelta: 6,
    windowDays: 14,
    minReadings: 5,
    hysteresis: 1,
  },
  isEnabled: true,
  source: '',
  origin: { kind: 'default', conditions: ['copd'] },
}

const judge = (now: Reading, earlier: Reading[], r = rule) =>
  evaluateBaselineDeviation(r, { at: now.measuredAt, readings: [now] }, earlier)
const stable = [1, 2, 3, 4, 5, 6].map((d) => spo2(d, 94))

describe('evaluateBaselineDeviation', () => {
  it.each([
    // value, deviation from the median 94: verdict
    [90, 'finding yellow'],
    [88, 'finding red'],
    [91, 'unchanged'], // 3 below: inside the hysteresis
    [92, 'over'],
  ])('SpO2 %i against a median of 94: %s', (value, expected) => {
    const verdict = judge(spo2(7, value), stable)
    const got =
      verdict === null
        ? 'unchanged'
        : verdict.kind === 'finding'
          ? `finding ${verdict.finding.severity}`
          : 'over'
    expect(got).toBe(expected)
  })

  it('explains itself', () => {
    expect(judge(spo2(7, 90), stable)).toMatchObject({
      finding: {
        measures: { value: 90, baselineMedian: 94, deviation: 4, baselineReadings: 6 },
        summary: {
          nb: 'Oksygenmetning 90 %: 4 prosentpoeng under egen median 94 % siste 14 dager (gul grense ≥ 4 prosentpoeng)',
          en: 'Oxygen saturation 90%: 4 points below own 14-day median 94% (yellow limit ≥ 4 points)',
        },
      },
    })
  })

  it('needs enough readings of the vital inside the window', () => {
    expect(judge(spo2(7, 80), stable.slice(0, 4))).toBeNull()
    expect(judge(spo2(7, 80), [...stable.slice(0, 4), spo2(5, 94, 'pulse')])).toBeNull()
    expect(judge(spo2(30, 80), stable)).toBeNull() // the stable days are more than 14 days back
  })

  it('looks the other way for a rise', () => {
    const pulse: RuleOf<'baseline-deviation'> = {
      ...rule,
      params: {
        ...rule.params,
        vital: 'pulse',
        direction: 'above',
        yellowDelta: 15,
        redDelta: null,
      },
    }
    const resting = [1, 2, 3, 4, 5].map((d) => spo2(d, 70, 'pulse'))
    expect(judge(spo2(7, 86, 'pulse'), resting, pulse)).toMatchObject({
      finding: { severity: 'yellow', measures: { deviation: 16 } },
    })
  })

  it('takes the median, so one odd reading does not move the baseline', () => {
    expect(median([94, 94, 60, 95, 93])).toBe(94)
    expect(median([90, 92, 93, 95])).toBe(92.5)
  })
})
