import { describe, expect, it } from 'vitest'
import {
  decodePlxSpotCheckMeasurement,
  plxSpotCheckMeasurement,
} from './plx-spot-check-measurement.js'

const ts = [0xea, 0x07, 11, 22, 7, 30, 40] // 2026-11-22 07:30:40
const spo2 = [0x61, 0x00] // SFLOAT 97
const pr = [0x48, 0x00] // SFLOAT 72

describe('PLX Spot-Check Measurement 0x2A5E', () => {
  it.each([
    {
      name: 'SpO2 and PR only',
      bytes: [0x00, ...spo2, ...pr],
      expected: {
        spo2: 97,
        pulse: 72,
        timestamp: null,
        isDeviceClockNotSet: false,
        measurementStatus: null,
        deviceAndSensorStatus: null,
        pulseAmplitudeIndex: null,
      },
    },
    {
      name: 'every field',
      bytes: [
        0x0f,
        ...spo2,
        ...pr,
        ...ts,
        /* measurement status: validated (bit 7), fully qualified (bit 8) */ 0x80,
        0x01,
        /* device and sensor status: low perfusion (bit 5), 24 bit */ 0x20,
        0x00,
        0x00,
        /* pulse amplitude index 5.2 */ 0x34,
        0xf0,
      ],
      expected: {
        spo2: 97,
        pulse: 72,
        timestamp: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        isDeviceClockNotSet: false,
        measurementStatus: ['validated-data', 'fully-qualified-data'],
        deviceAndSensorStatus: ['low-perfusion-detected'],
        pulseAmplitudeIndex: 5.2,
      },
    },
    {
      name: 'pulse amplitude index without the fields before it',
      bytes: [0x08, ...spo2, ...pr, 0x34, 0xf0],
      expected: {
        spo2: 97,
        pulse: 72,
        timestamp: null,
        isDeviceClockNotSet: false,
        measurementStatus: null,
        deviceAndSensorStatus: null,
        pulseAmplitudeIndex: 5.2,
      },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodePlxSpotCheckMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields spo2 and pulse, with the timestamp', () => {
    const d = plxSpotCheckMeasurement.decode(Uint8Array.from([0x01, ...spo2, ...pr, ...ts]))
    expect(d.vitals).toEqual([
      { type: 'spo2', value: 97, unit: '%' },
      { type: 'pulse', value: 72, unit: '/min' },
    ])
    expect(d.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 7, 30, 40))
  })

  it('ignores the timestamp when the device says its clock is not set (flag bit 4)', () => {
    const d = plxSpotCheckMeasurement.decode(Uint8Array.from([0x11, ...spo2, ...pr, ...ts]))
    expect(d.deviceTimeMs).toBeNull()
  })

  it.each([
    ['SpO2 NaN', [0x00, 0xff, 0x07, ...pr], /special value/],
    ['PR NRes', [0x00, ...spo2, 0x00, 0x08], /special value/],
    ['no PR', [0x00, ...spo2], /too short/],
    ['timestamp flagged, missing', [0x01, ...spo2, ...pr], /too short/],
    ['measurement status flagged, missing', [0x02, ...spo2, ...pr], /too short/],
    ['device status cut to 2 of 3 bytes', [0x04, ...spo2, ...pr, 0x00, 0x00], /too short/],
    ['pulse amplitude index flagged, missing', [0x08, ...spo2, ...pr], /too short/],
    [
      'measurement unavailable (bit 13)',
      [0x02, ...spo2, ...pr, 0x00, 0x20],
      /measurement-unavailable/,
    ],
    [
      'invalid measurement (bit 15)',
      [0x02, ...spo2, ...pr, 0x00, 0x80],
      /invalid-measurement-detected/,
    ],
    ['demonstration data (bit 10)', [0x02, ...spo2, ...pr, 0x00, 0x04], /data-for-demonstration/],
  ])('refuses %s with gatt-decode', (_name, bytes, detail) => {
    const decode = () => plxSpotCheckMeasurement.decode(Uint8Array.from(bytes))
    expect(decode).toThrow(expect.objectContaining({ code: 'gatt-decode' }))
    expect(decode).toThrow(detail)
  })
})
