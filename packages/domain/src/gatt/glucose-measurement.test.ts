import { describe, expect, it } from 'vitest'
import { decodeGlucoseMeasurement, glucoseMeasurement } from './glucose-measurement.js'

const seq = [0x2a, 0x00] // sequence number 42
const base = [0xea, 0x07, 11, 22, 7, 30, 40] // base time 2026-11-22 07:30:40
const kgPerL = [0x5f, 0xb0] // SFLOAT 95 × 10^−5 kg/L = 95 mg/dL
const molPerL = [0x37, 0xc0] // SFLOAT 55 × 10^−4 mol/L = 5.5 mmol/L
const capillaryFinger = 0x11 // type 1 (low nibble), location 1 (high nibble)

describe('Glucose Measurement 0x2A18', () => {
  it.each([
    {
      name: 'kg/L with type and location',
      bytes: [0x02, ...seq, ...base, ...kgPerL, capillaryFinger],
      expected: {
        sequenceNumber: 42,
        baseTime: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        timeOffsetMinutes: null,
        unit: 'kg/L',
        concentration: 0.00095,
        type: 1,
        sampleLocation: 1,
        sensorStatus: null,
        hasContextInformation: false,
      },
    },
    {
      name: 'every field, mol/L, time offset −60 min, venous plasma from earlobe',
      bytes: [
        0x1f,
        ...seq,
        ...base,
        /* −60 */ 0xc4,
        0xff,
        ...molPerL,
        0x34,
        /* battery low */ 0x01,
        0x00,
      ],
      expected: {
        sequenceNumber: 42,
        baseTime: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        timeOffsetMinutes: -60,
        unit: 'mol/L',
        concentration: 0.0055,
        type: 4,
        sampleLocation: 3,
        sensorStatus: ['device-battery-low'],
        hasContextInformation: true,
      },
    },
    {
      name: 'no concentration: time offset then status',
      bytes: [0x09, ...seq, ...base, 0x05, 0x00, 0x00, 0x00],
      expected: {
        sequenceNumber: 42,
        baseTime: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        timeOffsetMinutes: 5,
        unit: 'kg/L',
        concentration: null,
        type: null,
        sampleLocation: null,
        sensorStatus: [],
        hasContextInformation: false,
      },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodeGlucoseMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields blood-glucose in its native unit, timed base time + time offset', () => {
    const d = glucoseMeasurement.decode(
      Uint8Array.from([0x07, ...seq, ...base, 0xc4, 0xff, ...molPerL, capillaryFinger]),
    )
    expect(d.vitals).toEqual([{ type: 'blood-glucose', value: 0.0055, unit: 'mol/L' }])
    expect(d.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 6, 30, 40))
    const k = glucoseMeasurement.decode(
      Uint8Array.from([0x02, ...seq, ...base, ...kgPerL, capillaryFinger]),
    )
    expect(k.vitals).toEqual([{ type: 'blood-glucose', value: 0.00095, unit: 'kg/L' }])
    expect(k.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 7, 30, 40))
  })

  it('drops the time when the meter reports a time fault, or the base time is unknown', () => {
    const fault = glucoseMeasurement.decode(
      Uint8Array.from([0x0a, ...seq, ...base, ...kgPerL, capillaryFinger, 0x00, 0x08]),
    )
    expect(fault.deviceTimeMs).toBeNull()
    const unknown = glucoseMeasurement.decode(
      Uint8Array.from([0x02, ...seq, 0, 0, 0, 0, 0, 0, 0, ...kgPerL, capillaryFinger]),
    )
    expect(unknown.deviceTimeMs).toBeNull()
  })

  it.each([
    ['no concentration (flag bit 1 clear)', [0x00, ...seq, ...base], /no glucose concentration/],
    ['control solution type', [0x02, ...seq, ...base, ...kgPerL, 0x1a], /control solution/],
    ['control solution location', [0x02, ...seq, ...base, ...kgPerL, 0x41], /control solution/],
    [
      'strip insertion error',
      [0x0a, ...seq, ...base, ...kgPerL, capillaryFinger, 0x08, 0x00],
      /strip-insertion-error/,
    ],
    [
      'result higher than the meter can process',
      [0x0a, ...seq, ...base, ...kgPerL, capillaryFinger, 0x20, 0x00],
      /result-higher/,
    ],
    ['concentration NaN', [0x02, ...seq, ...base, 0xff, 0x07, capillaryFinger], /special value/],
    ['no base time', [0x02, ...seq], /too short/],
    ['time offset flagged, missing', [0x01, ...seq, ...base], /too short/],
    ['type-sample location missing', [0x02, ...seq, ...base, ...kgPerL], /too short/],
    [
      'sensor status flagged, missing',
      [0x0a, ...seq, ...base, ...kgPerL, capillaryFinger],
      /too short/,
    ],
    [
      'base time in year 1000',
      [0x02, ...seq, 0xe8, 0x03, 1, 1, 0, 0, 0, ...kgPerL, capillaryFinger],
      /year 1000/,
    ],
  ])('refuses %s with gatt-decode', (_name, bytes, detail) => {
    const decode = () => glucoseMeasurement.decode(Uint8Array.from(bytes))
    expect(decode).toThrow(expect.objectContaining({ code: 'gatt-decode' }))
    expect(decode).toThrow(detail)
  })
})
