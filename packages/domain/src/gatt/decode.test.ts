import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.js'
import { encodeBase64 } from './base64.js'
import { decodeGatt, decodeGattBase64, GATT_CHARACTERISTICS, gattMeasurement } from './decode.js'
import { encodeWeightMeasurement } from './weight-measurement.js'

describe('decodeGatt: dispatch by 16-bit UUID', () => {
  it('knows the six characteristics of the protocol', () => {
    expect([...GATT_CHARACTERISTICS.keys()].sort()).toEqual([
      '2a18',
      '2a1c',
      '2a35',
      '2a5e',
      '2a5f',
      '2a9d',
    ])
  })

  it('decodes the base64 form', () => {
    const d = decodeGattBase64('2a9d', 'AGBA') // flags 0, weight 16480 × 0.005 kg
    expect(d).toMatchObject({ characteristic: '2a9d', name: 'Weight Measurement' })
    expect(d.vitals).toEqual([{ type: 'body-weight', value: 82.4, unit: 'kg' }])
  })

  it.each([
    ['an unknown characteristic', '2a37'],
    ['upper case', '2A9D'],
    ['a 0x prefix', '0x2a9d'],
    ['a 128-bit UUID', '00002a9d-0000-1000-8000-00805f9b34fb'],
    ['nothing', ''],
  ])('answers %s with gatt-unsupported', (_name, uuid) => {
    expect(() => decodeGattBase64(uuid, 'AGBA')).toThrow(
      expect.objectContaining({ code: 'gatt-unsupported' }),
    )
  })

  it('answers bad base64 with gatt-decode', () => {
    expect(() => decodeGattBase64('2a9d', 'not base64!')).toThrow(
      expect.objectContaining({ code: 'gatt-decode' }),
    )
  })

  it('builds the gatt object a gateway sends', () => {
    const bytes = encodeWeightMeasurement({ kg: 82.4 })
    expect(gattMeasurement('2a9d', bytes)).toEqual({ characteristic: '2a9d', data: 'AGBA' })
  })

  it.each([...GATT_CHARACTERISTICS.keys()])(
    '%s: any bytes decode to finite vitals or a gatt-decode error, never anything else',
    (uuid) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
          try {
            const d = decodeGatt(uuid, bytes)
            expect(d.vitals.length).toBeGreaterThan(0)
            for (const v of d.vitals) expect(Number.isFinite(v.value)).toBe(true)
            if (d.deviceTimeMs !== null) expect(Number.isFinite(d.deviceTimeMs)).toBe(true)
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError)
            expect((error as ProtocolError).code).toBe('gatt-decode')
          }
        }),
        { numRuns: 500 },
      )
    },
  )

  it('any string as data decodes or fails with gatt-decode', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.uint8Array({ maxLength: 30 }).map(encodeBase64)),
        (data) => {
          try {
            decodeGattBase64('2a35', data)
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError)
            expect((error as ProtocolError).code).toBe('gatt-decode')
          }
        },
      ),
    )
  })
})
