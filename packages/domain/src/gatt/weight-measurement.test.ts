import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../errors.js'
import {
  decodeWeightMeasurement,
  encodeWeightMeasurement,
  weightMeasurement,
} from './weight-measurement.js'

const ts = [0xea, 0x07, 11, 22, 7, 30, 40] // 2026-11-22 07:30:40 (year 2026 = 0x07ea, LE)

describe('Weight Measurement 0x2A9D', () => {
  it.each([
    {
      name: 'SI, weight only',
      bytes: [0x00, /* weight 16480 × 0.005 */ 0x60, 0x40],
      expected: {
        unit: 'kg',
        weight: 82.4,
        timestamp: null,
        userId: null,
        bmi: null,
        height: null,
      },
    },
    {
      name: 'imperial',
      bytes: [0x01, /* weight 18160 × 0.01 lb */ 0xf0, 0x46],
      expected: {
        unit: 'lb',
        weight: 181.6,
        timestamp: null,
        userId: null,
        bmi: null,
        height: null,
      },
    },
    {
      name: 'SI with time stamp, user id, BMI and height',
      bytes: [
        0x0e,
        0x60,
        0x40,
        ...ts,
        /* user */ 0x02,
        /* BMI 25.1 */ 0xfb,
        0x00,
        /* height 1.812 m */ 0x14,
        0x07,
      ],
      expected: {
        unit: 'kg',
        weight: 82.4,
        timestamp: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        userId: 2,
        bmi: 25.1,
        height: 1.812,
      },
    },
    {
      name: 'imperial with BMI and height in inches, no time stamp',
      bytes: [0x09, 0xf0, 0x46, /* BMI 25.1 */ 0xfb, 0x00, /* height 71.3 in */ 0xc9, 0x02],
      expected: {
        unit: 'lb',
        weight: 181.6,
        timestamp: null,
        userId: null,
        bmi: 25.1,
        height: 71.3,
      },
    },
    {
      name: 'reserved flag bits ignored, trailing bytes ignored',
      bytes: [0xf0, 0x60, 0x40, 0x99],
      expected: {
        unit: 'kg',
        weight: 82.4,
        timestamp: null,
        userId: null,
        bmi: null,
        height: null,
      },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodeWeightMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields body-weight in kg, or in [lb_av] to be converted, with the time stamp', () => {
    const kg = weightMeasurement.decode(Uint8Array.from([0x02, 0x60, 0x40, ...ts]))
    expect(kg.vitals).toEqual([{ type: 'body-weight', value: 82.4, unit: 'kg' }])
    expect(kg.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 7, 30, 40))
    const lb = weightMeasurement.decode(Uint8Array.from([0x01, 0xf0, 0x46]))
    expect(lb.vitals).toEqual([{ type: 'body-weight', value: 181.6, unit: '[lb_av]' }])
    expect(lb.deviceTimeMs).toBeNull()
  })

  it('refuses "measurement unsuccessful" (0xFFFF)', () => {
    expect(() => weightMeasurement.decode(Uint8Array.from([0x00, 0xff, 0xff]))).toThrow(
      /unsuccessful/,
    )
  })

  it('treats an unknown date (year 0) as no time stamp', () => {
    const m = weightMeasurement.decode(Uint8Array.from([0x02, 0x60, 0x40, 0, 0, 0, 0, 0, 0, 0]))
    expect(m.deviceTimeMs).toBeNull()
  })

  it.each([
    ['empty', []],
    ['no weight', [0x00]],
    ['half a weight', [0x00, 0x60]],
    ['time stamp flagged, missing', [0x02, 0x60, 0x40]],
    ['time stamp cut short', [0x02, 0x60, 0x40, 0xea, 0x07, 11, 22, 7, 30]],
    ['user id flagged, missing', [0x04, 0x60, 0x40]],
    ['BMI and height flagged, height missing', [0x08, 0x60, 0x40, 0xfb, 0x00]],
    ['month 13 in the time stamp', [0x02, 0x60, 0x40, 0xea, 0x07, 13, 22, 7, 30, 40]],
    ['Feb 30 in the time stamp', [0x02, 0x60, 0x40, 0xea, 0x07, 2, 30, 7, 30, 40]],
    ['hour 24 in the time stamp', [0x02, 0x60, 0x40, 0xea, 0x07, 11, 22, 24, 30, 40]],
  ])('refuses a value %s with gatt-decode', (_name, bytes) => {
    const decode = () => weightMeasurement.decode(Uint8Array.from(bytes))
    expect(decode).toThrow(ProtocolError)
    expect(decode).toThrow(expect.objectContaining({ code: 'gatt-decode' }))
  })

  it('encodes a Date as its UTC fields', () => {
    const bytes = encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-22T07:30:40Z') })
    expect([...bytes]).toEqual([0x02, 0x60, 0x40, ...ts])
  })
})
