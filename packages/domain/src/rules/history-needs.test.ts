import { describe, expect, it } from 'vitest'
import { historyNeeds } from './history-needs.js'
import { resolvePatientRules } from './resolve-patient-rules.js'

const DAY = 24 * 3600_000

describe('historyNeeds', () => {
  it('asks a heart-failure patient for weights over the weight-gain window plus a day, and NEWS2 vitals over its window', () => {
    const needs = historyNeeds(resolvePatientRules(['heart-failure'], []))
    expect(needs['body-weight']).toBe(4 * DAY)
    expect(needs.spo2).toBeGreaterThan(0)
    expect(needs.spo2).toBeLessThanOrEqual(DAY)
    expect(needs['blood-glucose']).toBeUndefined()
  })

  it("asks a COPD patient for SpO2 over the baseline's 14 days plus a day", () => {
    expect(historyNeeds(resolvePatientRules(['copd'], [])).spo2).toBe(15 * DAY)
  })

  it('asks nothing for a rule switched off', () => {
    const ruleSet = resolvePatientRules(['heart-failure'], [
      { ruleId: 'trend:weight-gain', version: 1, params: {}, isEnabled: false, setBy: { id: 'u1' }, setAt: new Date() },
    ])
    expect(historyNeeds(ruleSet)['body-weight']).toBeUndefined()
  })
})
