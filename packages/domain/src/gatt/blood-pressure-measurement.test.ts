import { describe, expect, it } from 'vitest'
import {
  bloodPressureMeasurement,
  decodeBloodPressureMeasurement,
} from './blood-pressure-measurement.js'

const ts = [0xea, 0x07, 11, 22, 7, 30, 40] // 2026-11-22 07:30:40
const sys121 = [0x79, 0x00] // SFLOAT 121, exponent 0
const dia79 = [0x4f, 0x00] // SFLOAT 79
const map93 = [0x5d, 0x00] // SFLOAT 93
const pulse62 = [0x3e, 0x00] // SFLOAT 62

describe('Blood Pressure Measurement 0x2A35', () => {
  it.each([
    {
      name: 'mmHg, pressures only',
      bytes: [0x00, ...sys121, ...dia79, ...map93],
      expected: {
        unit: 'mmHg',
        systolic: 121,
        diastolic: 79,
        map: 93,
        timestamp: null,
        pulse: null,
        userId: null,
        status: null,
      },
    },
    {
      name: 'kPa: 16.1 / 10.5 / 12.4 (exponent −1)',
      bytes: [0x01, 0xa1, 0xf0, 0x69, 0xf0, 0x7c, 0xf0],
      expected: {
        unit: 'kPa',
        systolic: 16.1,
        diastolic: 10.5,
        map: 12.4,
        timestamp: null,
        pulse: null,
        userId: null,
        status: null,
      },
    },
    {
      name: 'every field: time stamp, pulse, user id, status',
      bytes: [
        0x1e,
        ...sys121,
        ...dia79,
        ...map93,
        ...ts,
        ...pulse62,
        /* user */ 0x01,
        /* status: movement, irregular, pulse above */ 0x0d,
        0x00,
      ],
      expected: {
        unit: 'mmHg',
        systolic: 121,
        diastolic: 79,
        map: 93,
        timestamp: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        pulse: 62,
        userId: 1,
        status: ['body-movement', 'irregular-pulse', 'pulse-rate-above-upper-limit'],
      },
    },
    {
      name: 'pulse without time stamp: pulse right after MAP',
      bytes: [0x04, ...sys121, ...dia79, ...map93, ...pulse62],
      expected: {
        unit: 'mmHg',
        systolic: 121,
        diastolic: 79,
        map: 93,
        timestamp: null,
        pulse: 62,
        userId: null,
        status: null,
      },
    },
    {
      name: 'status with the reserved pulse range 3 and improper position',
      bytes: [0x10, ...sys121, ...dia79, ...map93, 0x38, 0x00],
      expected: {
        unit: 'mmHg',
        systolic: 121,
        diastolic: 79,
        map: 93,
        timestamp: null,
        pulse: null,
        userId: null,
        status: ['improper-position'],
      },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodeBloodPressureMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields systolic, diastolic and, with flag bit 2, pulse', () => {
    const withPulse = bloodPressureMeasurement.decode(
      Uint8Array.from([0x06, ...sys121, ...dia79, ...map93, ...ts, ...pulse62]),
    )
    expect(withPulse.vitals).toEqual([
      { type: 'bp-systolic', value: 121, unit: 'mm[Hg]' },
      { type: 'bp-diastolic', value: 79, unit: 'mm[Hg]' },
      { type: 'pulse', value: 62, unit: '/min' },
    ])
    expect(withPulse.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 7, 30, 40))
    const kPa = bloodPressureMeasurement.decode(
      Uint8Array.from([0x01, 0xa1, 0xf0, 0x69, 0xf0, 0x7c, 0xf0]),
    )
    expect(kPa.vitals.map((v) => v.unit)).toEqual(['kPa', 'kPa'])
  })

  it('accepts a MAP the monitor could not give (NaN); it is no reading', () => {
    const m = bloodPressureMeasurement.decode(
      Uint8Array.from([0x00, ...sys121, ...dia79, 0xff, 0x07]),
    )
    expect(m.vitals).toHaveLength(2)
  })

  it.each([
    ['systolic NaN', [0x00, 0xff, 0x07, ...dia79, ...map93]],
    ['diastolic NRes', [0x00, ...sys121, 0x00, 0x08, ...map93]],
    ['systolic +INF', [0x00, 0xfe, 0x07, ...dia79, ...map93]],
    ['diastolic −INF', [0x00, ...sys121, 0x02, 0x08, ...map93]],
    ['systolic reserved', [0x00, 0x01, 0x08, ...dia79, ...map93]],
    ['pulse NaN', [0x04, ...sys121, ...dia79, ...map93, 0xff, 0x07]],
    ['no MAP', [0x00, ...sys121, ...dia79]],
    ['time stamp flagged, missing', [0x02, ...sys121, ...dia79, ...map93]],
    ['pulse flagged, missing', [0x04, ...sys121, ...dia79, ...map93]],
    ['pulse after time stamp missing', [0x06, ...sys121, ...dia79, ...map93, ...ts]],
    ['user id flagged, missing', [0x08, ...sys121, ...dia79, ...map93]],
    ['status flagged, half there', [0x10, ...sys121, ...dia79, ...map93, 0x01]],
  ])('refuses %s with gatt-decode', (_name, bytes) => {
    expect(() => bloodPressureMeasurement.decode(Uint8Array.from(bytes))).toThrow(
      expect.objectContaining({ code: 'gatt-decode' }),
    )
  })
})
