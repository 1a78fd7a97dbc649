import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isStorableText, toStorableText } from './storable-text.js'

describe('isStorableText', () => {
  it.each([
    ['plain ASCII', 'G-000123', true],
    ['empty', '', true],
    ['Norwegian letters', 'måling-ø', true],
    ['a surrogate pair (emoji)', 'vekt-\ud83d\ude00', true],
    ['NUL alone', '\u0000', false],
    ['NUL inside', 'AA:BB\u0000CC', false],
    ['a lone high surrogate', 'm\ud800', false],
    ['a lone high surrogate before a letter', '\ud800x', false],
    ['a lone low surrogate', '\udc00m', false],
    ['two high surrogates', '\ud800\ud800\udc00', false],
    ['control characters other than NUL', 'a\u0001\u001f\u007f', true],
  ])('%s', (_name, text, expected) => {
    expect(isStorableText(text)).toBe(expected)
  })
})

describe('toStorableText', () => {
  it.each([
    ['G-1', 'G-1'],
    ['a\u0000b', 'a\\u0000b'],
    ['\ud800', '\\ud800'],
    ['x\udfffy', 'x\\udfffy'],
    ['\ud83d\ude00', '\ud83d\ude00'],
  ])('%j → %j', (text, expected) => {
    expect(toStorableText(text)).toBe(expected)
  })

  it('always gives storable text, and leaves storable text as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udc00'), fc.constant('a'), fc.string({ unit: 'binary', maxLength: 1 })) }), (text) => {
        expect(isStorableText(toStorableText(text))).toBe(true)
        if (isStorableText(text)) expect(toStorableText(text)).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  it('agrees with a round trip through UTF-8 and a NUL check', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const survivesUtf8 = Buffer.from(text, 'utf8').toString('utf8') === text
        expect(isStorableText(text)).toBe(survivesUtf8 && !text.includes('\u0000'))
      }),
      { numRuns: 1000 },
    )
  })
})
