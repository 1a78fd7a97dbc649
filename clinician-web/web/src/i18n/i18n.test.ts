import { describe, expect, test } from 'vitest'
import { en } from './en'
import { formatRelative } from './format'
import { interpolate, makeI18n } from './i18n'
import { nb } from './nb'

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('nb and en', () => {
  test('have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(nb).sort())
  })

  test('use the same placeholders in every message', () => {
    for (const key of Object.keys(nb) as (keyof typeof nb)[]) {
      expect({ key, placeholders: placeholders(en[key]) }).toEqual({
        key,
        placeholders: placeholders(nb[key]),
      })
    }
  })

  test('have no empty message and every plural form in pairs', () => {
    for (const messages of [nb, en]) {
      for (const [key, text] of Object.entries(messages)) {
        expect(text.trim(), key).not.toBe('')
        if (key.endsWith('.one'))
          expect(messages, key).toHaveProperty(key.replace(/\.one$/, '.other'))
      }
    }
  })
})

test('plurals, placeholders and numbers follow the language', () => {
  const nbT = makeI18n('nb', () => {})
  expect(nbT.tp('traffic.redCount', 1)).toBe('1 åpent rødt varsel')
  expect(nbT.tp('traffic.redCount', 3)).toBe('3 åpne røde varsler')
  expect(makeI18n('en', () => {}).tp('traffic.redCount', 1)).toBe('1 open red alert')
  expect(interpolate('{n} / {missing}', { n: 1234.5 }, 'nb-NO')).toBe('1\u00a0234,5 / {missing}')
})

test('relative times: minutes, then hours, then the Oslo date itself', () => {
  const now = Date.parse('2026-07-01T12:00:00Z')
  expect(formatRelative(now - 20_000, now, 'nb-NO', 'akkurat nå')).toBe('akkurat nå')
  expect(formatRelative(now - 5 * 60_000, now, 'nb-NO', 'akkurat nå')).toBe('for 5 min siden')
  expect(formatRelative(now - 5 * 60_000, now, 'en-GB', 'just now')).toBe('5 min ago')
  expect(formatRelative(now - 3 * 3_600_000, now, 'nb-NO', 'akkurat nå')).toBe('for 3 timer siden')
  // summer time: 08:30 UTC is 10:30 in Oslo
  expect(formatRelative('2026-06-28T08:30:00Z', now, 'nb-NO', 'akkurat nå')).toBe(
    'søn. 28. juni, 10:30',
  )
})
