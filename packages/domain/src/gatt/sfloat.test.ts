import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.js'
import { decodeFloat, encodeFloat, FLOAT_SPECIAL, floatSpecial } from './float.js'
import { decodeSfloat, encodeSfloat, SFLOAT_SPECIAL, sfloatSpecial } from './sfloat.js'

describe('SFLOAT (IEEE 11073-20601, 16 bit)', () => {
  it.each([
    // raw word: exponent nibble | 12-bit mantissa
    [0x0000, 0],
    [0x0078, 120], // exponent 0, mantissa 120
    [0xf4b5, 120.5], // exponent −1, mantissa 1205
    [0xf004, 0.4], // exponent −1, mantissa 4
    [0x0fff, -1], // exponent 0, mantissa −1
    [0xfc18, -100], // exponent −1, mantissa −1000
  ])('decodes 0x%s', (raw, value) => {
    expect(decodeSfloat(raw)).toBe(value)
  })

  it.each([
    [0x1002, 20], // exponent 1, mantissa 2
    [0x8001, 1e-8], // exponent −8, mantissa 1
    [0x77fd, 2045e7], // exponent 7, mantissa 2045: the largest number
    [0x0803, -2045], // mantissa −2045: the smallest mantissa that is a number
  ])('decodes the edges 0x%s', (raw, value) => {
    expect(decodeSfloat(raw)).toBe(value)
  })

  it('decodes the special values to NaN or ±Infinity, at any exponent', () => {
    expect(decodeSfloat(SFLOAT_SPECIAL.NaN)).toBeNaN()
    expect(decodeSfloat(SFLOAT_SPECIAL.NRes)).toBeNaN()
    expect(decodeSfloat(SFLOAT_SPECIAL.reserved)).toBeNaN()
    expect(decodeSfloat(SFLOAT_SPECIAL['+INF'])).toBe(Infinity)
    expect(decodeSfloat(SFLOAT_SPECIAL['-INF'])).toBe(-Infinity)
    expect(sfloatSpecial(0xf7ff)).toBe('NaN')
    expect(sfloatSpecial(0x0800)).toBe('NRes')
    expect(sfloatSpecial(0x0801)).toBe('reserved')
    expect(sfloatSpecial(0x07fd)).toBeNull()
  })

  it.each([
    [120, 0x0078],
    [120.5, 0xf4b5],
    [82.4, 0xf338],
    [0, 0x0000],
    [-1, 0x0fff],
    [36.6, 0xf16e],
    [98765, 0x23dc], // 988 × 10^2: 4 digits do not fit, 3 do
    [NaN, SFLOAT_SPECIAL.NaN],
    [Infinity, SFLOAT_SPECIAL['+INF']],
    [-Infinity, SFLOAT_SPECIAL['-INF']],
  ])('encodes %s as 0x%s', (value, raw) => {
    expect(encodeSfloat(value).toString(16)).toBe(raw.toString(16))
  })

  it('refuses to encode a magnitude beyond 2045 × 10^7', () => {
    expect(() => encodeSfloat(3e10)).toThrow(ProtocolError)
  })

  it('round-trips every number it can hold: decode(encode(decode(raw))) = decode(raw)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (raw) => {
        const value = decodeSfloat(raw)
        if (!Number.isFinite(value)) return
        expect(decodeSfloat(encodeSfloat(value))).toBe(value)
      }),
      { numRuns: 2000 },
    )
  })

  it('encodes any double in range to its nearest 4-digit value, never to a special value', () => {
    fc.assert(
      fc.property(fc.double({ min: -2045e7, max: 2045e7, noNaN: true }), (value) => {
        const raw = encodeSfloat(value)
        expect(sfloatSpecial(raw)).toBeNull()
        const back = decodeSfloat(raw)
        expect(Math.abs(back - value)).toBeLessThanOrEqual(Math.max(Math.abs(value) * 5e-3, 1e-8))
      }),
    )
  })
})

describe('FLOAT (IEEE 11073-20601, 32 bit)', () => {
  it.each([
    [0xff00016f, 36.7], // exponent −1, mantissa 367
    [0x00000025, 37], // exponent 0, mantissa 37
    [0xfe00267a, 98.5], // exponent −2, mantissa 9850
    [0x00ffffff, -1], // mantissa −1
    [0x007ffffd, 8388605], // the largest mantissa that is a number
  ])('decodes 0x%s', (raw, value) => {
    expect(decodeFloat(raw)).toBe(value)
  })

  it('decodes the special values to NaN or ±Infinity', () => {
    expect(decodeFloat(FLOAT_SPECIAL.NaN)).toBeNaN()
    expect(decodeFloat(FLOAT_SPECIAL.NRes)).toBeNaN()
    expect(decodeFloat(FLOAT_SPECIAL.reserved)).toBeNaN()
    expect(decodeFloat(FLOAT_SPECIAL['+INF'])).toBe(Infinity)
    expect(decodeFloat(FLOAT_SPECIAL['-INF'])).toBe(-Infinity)
    expect(floatSpecial(0xff7fffff)).toBe('NaN')
  })

  it.each([
    [36.7, 0xff00016f],
    [37, 0x00000025],
    [-1, 0x00ffffff],
    [NaN, FLOAT_SPECIAL.NaN],
  ])('encodes %s as 0x%s', (value, raw) => {
    expect(encodeFloat(value)).toBe(raw)
  })

  it('round-trips every number it can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        const value = decodeFloat(raw)
        if (!Number.isFinite(value)) return
        expect(decodeFloat(encodeFloat(value))).toBe(value)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps 7 significant digits of any double in range', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e100, max: 1e100, noNaN: true }), (value) => {
        const back = decodeFloat(encodeFloat(value))
        expect(Math.abs(back - value)).toBeLessThanOrEqual(Math.abs(value) * 1e-6 + 1e-128)
      }),
    )
  })
})
