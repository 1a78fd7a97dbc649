import type { VitalBands } from '@varde/domain'
import { describe, expect, it } from 'vitest'
import { interpretationOf } from './interpretation.js'

const at = (value: number, isInclusive = true) => ({ value, isInclusive })
// NEWS2 SpO2 scale 1 as the default profile has it: red ≤ 91, yellow ≤ 93
const spo2: VitalBands = { vital: 'spo2', red: { low: at(91) }, yellow: { low: at(93) }, hysteresis: 1 }
const pulse: VitalBands = { vital: 'pulse', red: { low: at(40), high: at(131) }, yellow: { high: at(111) }, hysteresis: 2 }
const code = (type: string, value: number, bands: VitalBands[]) => interpretationOf(type, value, bands)?.coding?.[0]?.code

describe('interpretationOf (issue 22: H/L/HH/LL from the patient\'s thresholds)', () => {
  it('is LL beyond the red band, L beyond the yellow one, N inside, HH/H upwards', () => {
    expect([91, 92, 93, 94].map((v) => code('spo2', v, [spo2]))).toEqual(['LL', 'L', 'L', 'N'])
    expect([40, 41, 110, 111, 131].map((v) => code('pulse', v, [pulse]))).toEqual(['LL', 'N', 'N', 'H', 'HH'])
  })

  it('takes the worst of several rules on one vital, and gives none for a vital no rule watches', () => {
    const stricter: VitalBands = { vital: 'spo2', red: { low: at(94) }, yellow: { low: at(96) }, hysteresis: 1 }
    expect(code('spo2', 94, [spo2, stricter])).toBe('LL')
    expect(code('spo2', 95, [stricter, spo2])).toBe('L')
    expect(interpretationOf('blood-glucose', 30, [spo2, pulse])).toBeUndefined()
  })

  it('codes in HL7 v3 ObservationInterpretation', () => {
    expect(interpretationOf('spo2', 90, [spo2])).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'LL', display: 'Critical low' }] })
  })
})
