import { describe, expect, it } from 'vitest'
import { kindsForCode } from './observation-codes.js'

// platform-contract.md "FHIR R4": blood pressure is the panel 85354-9, found by code=85354-9 and by combo-code=8480-6/8462-4
describe('kindsForCode', () => {
  it.each([
    ['85354-9', 'code', ['bp-panel']],
    ['8480-6', 'code', ['bp-systolic']],
    ['8480-6', 'combo-code', ['bp-systolic', 'bp-panel']],
    ['http://loinc.org|8462-4', 'combo-code', ['bp-diastolic', 'bp-panel']],
    ['29463-7,59408-5', 'code', ['body-weight', 'spo2']],
    ['2708-6', 'code', ['spo2']],
    ['1234-5', 'code', []],
  ] as const)('%s as %s names %j', (value, param, kinds) => {
    expect(kindsForCode(value, param).sort()).toEqual([...kinds].sort())
  })

  it('refuses another code system', () => {
    expect(kindsForCode('http://snomed.info/sct|271649006', 'code')).toBeNull()
  })
})
