import { describe, expect, it } from 'vitest'
import type { Reading } from '../protocol/types.js'
import type { VitalType } from '../vital-types.js'
import { resolvePatientRules } from './resolve-patient-rules.js'
import type { RuleOf } from './rule-set.js'
import { classifyReading, evaluateThreshold } from './threshold.js'

function r(type: VitalType, value: number, measurementId = 'm1'): Reading {
  return {
    measurementId,
    deviceId: 'BP-1',
    type,
    value,
    unit: '',
    originalValue: null,
    originalUnit: null,
    measuredAt: new Date('2026-05-06T06:00:00Z'),
    flags: [],
    battery: null,
    source: 'decoded',
  }
}
const at = new Date('2026-05-06T06:00:00Z')
const hypertension = resolvePatientRules(['hypertension'], [])
const bpRule = hypertension.rules.find(
  (x) => x.id === 'threshold:blood-pressure',
) as RuleOf<'threshold'>

describe('evaluateThreshold: blood pressure, one finding for one cuff reading', () => {
  it('is red when either value is red, and names what was breached', () => {
    const verdict = evaluateThreshold(
      bpRule,
      { at, readings: [r('bp-systolic', 150), r('bp-diastolic', 112), r('pulse', 80)] },
      3,
    )
    expect(verdict).toMatchObject({
      kind: 'finding',
      alertKey: 'threshold:blood-pressure',
      finding: {
        severity: 'red',
        measures: { 'bp-systolic': 150, 'bp-diastolic': 112 },
        news2Score: 3,
        summary: {
          nb: 'Blodtrykk 150/112 mmHg (rød grense diastolisk ≥ 110 mmHg)',
          en: 'Blood pressure 150/112 mmHg (red limit diastolic ≥ 110 mmHg)',
        },
      },
    })
    if (verdict?.kind !== 'finding') throw new Error('expected a finding')
    expect(verdict.finding.readings.map((x) => x.type)).toEqual(['bp-systolic', 'bp-diastolic'])
  })

  it('is over only when both values are clear by the hysteresis', () => {
    // Yellow from 160/100, hysteresis 5: 157/98 is in the dead band, 154/94 is over.
    expect(
      evaluateThreshold(
        bpRule,
        { at, readings: [r('bp-systolic', 157), r('bp-diastolic', 90)] },
        null,
      ),
    ).toBeNull()
    expect(
      evaluateThreshold(
        bpRule,
        { at, readings: [r('bp-systolic', 150), r('bp-diastolic', 98)] },
        null,
      ),
    ).toBeNull()
    expect(
      evaluateThreshold(
        bpRule,
        { at, readings: [r('bp-systolic', 154), r('bp-diastolic', 94)] },
        null,
      ),
    ).toMatchObject({ kind: 'over' })
  })

  it('ignores a measurement without the rule’s vitals', () => {
    expect(evaluateThreshold(bpRule, { at, readings: [r('spo2', 80)] }, null)).toBeNull()
  })
})

describe('classifyReading: the traffic light of one value', () => {
  it('uses the patient’s rules', () => {
    const copd = resolvePatientRules(['copd'], [])
    expect(classifyReading(copd, { type: 'spo2', value: 89 })).toBeNull()
    expect(classifyReading(resolvePatientRules([], []), { type: 'spo2', value: 89 })).toBe('red')
    expect(classifyReading(hypertension, { type: 'bp-diastolic', value: 104 })).toBe('yellow')
    expect(classifyReading(hypertension, { type: 'body-weight', value: 300 })).toBeNull()
  })
})
