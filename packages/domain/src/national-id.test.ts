import { describe, expect, it } from 'vitest'
import { checkNationalId, nationalIdCheckDigits } from './national-id.js'

describe('checkNationalId', () => {
  it.each([
    ['15076500565', 'fnr', false], // a published test number
    ['14834512387', 'fnr', true], // nabo's Hilde Dahl: month +80, synthetic
    ['55076500559', 'dnr', false], // 15 July with +4 on the first digit
  ])('accepts %s as %s', (id, kind, isSynthetic) => {
    expect(checkNationalId(id)).toEqual({ isValid: true, kind, isSynthetic })
  })

  it.each([
    ['1507650056', 'not-11-digits'],
    ['150765005651', 'not-11-digits'],
    ['1507650056a', 'not-11-digits'],
    ['15076500566', 'check-digits'],
    ['15076500575', 'check-digits'],
    ['12814112345', 'check-digits'], // made up without check digits
    ['32016500000', 'check-digits'],
  ])('refuses %s: %s', (id, problem) => {
    expect(checkNationalId(id)).toEqual({ isValid: false, problem })
  })

  it('refuses a day that does not exist even with valid check digits', () => {
    // 31 April, 29 February 1965, month 13 (after the synthetic +80), day 0
    for (const date of ['310465', '290265', '019365', '000165']) {
      const firstNine = [100, 101, 102].map((i) => `${date}${i}`).find((n) => nationalIdCheckDigits(n) !== null)!
      expect(checkNationalId(`${firstNine}${nationalIdCheckDigits(firstNine)}`), date).toEqual({ isValid: false, problem: 'not-a-date' })
    }
  })
})
