import { describe, expect, it } from 'vitest'
import {
  decodePlxContinuousMeasurement,
  plxContinuousMeasurement,
} from './plx-continuous-measurement.js'

const normal = [0x61, 0x00, 0x48, 0x00] // SpO2 97, PR 72
const fast = [0x60, 0x00, 0x4a, 0x00] // SpO2 96, PR 74
const slow = [0x62, 0x00, 0x46, 0x00] // SpO2 98, PR 70

describe('PLX Continuous Measurement 0x2A5F', () => {
  it.each([
    {
      name: 'SpO2PR-Normal only',
      bytes: [0x00, ...normal],
      expected: {
        normal: { spo2: 97, pulse: 72 },
        fast: null,
        slow: null,
        measurementStatus: null,
        deviceAndSensorStatus: null,
        pulseAmplitudeIndex: null,
      },
    },
    {
      name: 'every field',
      bytes: [
        0x1f,
        ...normal,
        ...fast,
        ...slow,
        /* status: ongoing (bit 5) */ 0x20,
        0x00,
        /* sensor displaced (bit 13) */ 0x00,
        0x20,
        0x00,
        /* PAI 5.2 */ 0x34,
        0xf0,
      ],
      expected: {
        normal: { spo2: 97, pulse: 72 },
        fast: { spo2: 96, pulse: 74 },
        slow: { spo2: 98, pulse: 70 },
        measurementStatus: ['measurement-ongoing'],
        deviceAndSensorStatus: ['sensor-displaced'],
        pulseAmplitudeIndex: 5.2,
      },
    },
    {
      name: 'slow without fast: slow right after normal',
      bytes: [0x02, ...normal, ...slow],
      expected: {
        normal: { spo2: 97, pulse: 72 },
        fast: null,
        slow: { spo2: 98, pulse: 70 },
        measurementStatus: null,
        deviceAndSensorStatus: null,
        pulseAmplitudeIndex: null,
      },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodePlxContinuousMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields spo2 and pulse from SpO2PR-Normal, with no time stamp', () => {
    const d = plxContinuousMeasurement.decode(Uint8Array.from([0x03, ...normal, ...fast, ...slow]))
    expect(d.vitals).toEqual([
      { type: 'spo2', value: 97, unit: '%' },
      { type: 'pulse', value: 72, unit: '/min' },
    ])
    expect(d.deviceTimeMs).toBeNull()
  })

  it('accepts special values in the fast and slow averages, which are no readings', () => {
    const d = plxContinuousMeasurement.decode(
      Uint8Array.from([0x01, ...normal, 0xff, 0x07, 0xff, 0x07]),
    )
    expect(d.vitals).toHaveLength(2)
  })

  it.each([
    ['normal SpO2 NaN', [0x00, 0xff, 0x07, 0x48, 0x00]],
    ['fast flagged, missing', [0x01, ...normal]],
    ['slow flagged, fast there but slow missing', [0x03, ...normal, ...fast]],
    ['status flagged, missing', [0x04, ...normal]],
    ['device status flagged, missing', [0x08, ...normal]],
    ['PAI flagged, missing', [0x10, ...normal]],
    ['invalid measurement', [0x04, ...normal, 0x00, 0x80]],
  ])('refuses %s with gatt-decode', (_name, bytes) => {
    expect(() => plxContinuousMeasurement.decode(Uint8Array.from(bytes))).toThrow(
      expect.objectContaining({ code: 'gatt-decode' }),
    )
  })
})
