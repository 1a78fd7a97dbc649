import { expect, test } from 'vitest'
import { makeI18n } from '../i18n/i18n'
import { formatBand, formatLimitNumber, formatLimitValue } from './rule-bands'
import { parseLimitInput } from './threshold-form'

const nb = makeI18n('nb', () => {})
const en = makeI18n('en', () => {})
const atOrBelow = (value: number) => ({ value, isInclusive: true })

test("limits keep every decimal they have, and at least the vital's usual ones", () => {
  expect(formatLimitNumber('spo2', 90, 'nb-NO')).toBe('90')
  expect(formatLimitNumber('spo2', 89.5, 'nb-NO')).toBe('89,5')
  expect(formatLimitNumber('body-weight', 2, 'nb-NO')).toBe('2,0')
  expect(formatLimitNumber('blood-glucose', 13.95, 'en-GB')).toBe('13.95')
  expect(formatLimitValue('body-temperature', 35, 'nb-NO')).toBe('35,0\u00a0°C')
})

test('bands read as guidelines write them', () => {
  expect(formatBand({ low: atOrBelow(91) }, 'spo2', nb, '–')).toBe('≤ 91\u00a0%')
  expect(
    formatBand({ low: atOrBelow(40), high: { value: 131, isInclusive: true } }, 'pulse', nb, '–'),
  ).toBe('≤ 40/min eller ≥ 131/min')
  expect(formatBand({ low: { value: 4, isInclusive: false } }, 'blood-glucose', en, '–')).toBe(
    '< 4.0\u00a0mmol/L',
  )
  expect(formatBand({}, 'spo2', nb, 'Ingen grense')).toBe('Ingen grense')
})

test.each([
  ['87', 87],
  [' 87,5 ', 87.5],
  ['87.5', 87.5],
  ['', null],
  ['-2', -2],
  ['8 7', 'invalid'],
  ['høy', 'invalid'],
  ['1e3', 'invalid'],
] as const)('the form reads %j as %j', (text, expected) => {
  expect(parseLimitInput(text)).toBe(expected)
})
