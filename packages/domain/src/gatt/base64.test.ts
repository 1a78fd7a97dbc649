import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64, encodeBase64 } from './base64.js'

describe('base64 (RFC 4648 §4)', () => {
  it.each([
    ['', []],
    ['AA==', [0x00]],
    ['AGBA', [0x00, 0x60, 0x40]],
    ['AGBAAQ==', [0x00, 0x60, 0x40, 0x01]],
    ['AGBAAQ', [0x00, 0x60, 0x40, 0x01]], // padding may be left off
    ['+/8=', [0xfb, 0xff]],
  ])('decodes %j', (text, bytes) => {
    expect([...decodeBase64(text)]).toEqual(bytes)
  })

  it.each([
    ['a character outside the alphabet', 'AG*A'],
    ['the URL-safe alphabet', '-_8='],
    ['whitespace', 'AGBA AQ=='],
    ['a lone final character', 'AGBAA'],
    ['padding in the middle', 'AA==AGBA'],
    ['too much padding', 'AA==='],
  ])('refuses %s with gatt-decode', (_name, text) => {
    expect(() => decodeBase64(text)).toThrow(expect.objectContaining({ code: 'gatt-decode' }))
  })

  it('round-trips any bytes, and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = encodeBase64(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64'))
        expect(decodeBase64(text)).toEqual(bytes)
      }),
    )
  })
})
