import { describe, expect, it } from 'vitest'
import { decodeTemperatureMeasurement, temperatureMeasurement } from './temperature-measurement.js'

const ts = [0xea, 0x07, 11, 22, 7, 30, 40] // 2026-11-22 07:30:40
const c367 = [0x6f, 0x01, 0x00, 0xff] // FLOAT 367 × 10^−1
const f985 = [0x7a, 0x26, 0x00, 0xfe] // FLOAT 9850 × 10^−2

describe('Temperature Measurement 0x2A1C', () => {
  it.each([
    {
      name: '°C only',
      bytes: [0x00, ...c367],
      expected: { unit: 'Cel', temperature: 36.7, timestamp: null, temperatureType: null },
    },
    {
      name: '°F',
      bytes: [0x01, ...f985],
      expected: { unit: 'degF', temperature: 98.5, timestamp: null, temperatureType: null },
    },
    {
      name: 'time stamp and type (ear)',
      bytes: [0x06, ...c367, ...ts, 0x03],
      expected: {
        unit: 'Cel',
        temperature: 36.7,
        timestamp: { year: 2026, month: 11, day: 22, hours: 7, minutes: 30, seconds: 40 },
        temperatureType: 3,
      },
    },
    {
      name: 'type without time stamp',
      bytes: [0x04, ...c367, 0x02],
      expected: { unit: 'Cel', temperature: 36.7, timestamp: null, temperatureType: 2 },
    },
  ])('decodes $name', ({ bytes, expected }) => {
    expect(decodeTemperatureMeasurement(Uint8Array.from(bytes))).toEqual(expected)
  })

  it('yields body-temperature in Cel, or in [degF] to be converted', () => {
    expect(temperatureMeasurement.decode(Uint8Array.from([0x00, ...c367])).vitals).toEqual([
      { type: 'body-temperature', value: 36.7, unit: 'Cel' },
    ])
    const f = temperatureMeasurement.decode(Uint8Array.from([0x03, ...f985, ...ts]))
    expect(f.vitals).toEqual([{ type: 'body-temperature', value: 98.5, unit: '[degF]' }])
    expect(f.deviceTimeMs).toBe(Date.UTC(2026, 10, 22, 7, 30, 40))
  })

  it.each([
    ['NaN', [0x00, 0xff, 0xff, 0x7f, 0x00]],
    ['NRes', [0x00, 0x00, 0x00, 0x80, 0x00]],
    ['+INF', [0x00, 0xfe, 0xff, 0x7f, 0x00]],
    ['−INF', [0x00, 0x02, 0x00, 0x80, 0x00]],
    ['a 3-byte FLOAT', [0x00, 0x6f, 0x01, 0x00]],
    ['time stamp flagged, missing', [0x02, ...c367]],
    ['type flagged, missing', [0x04, ...c367]],
    ['type flagged after time stamp, missing', [0x06, ...c367, ...ts]],
  ])('refuses %s with gatt-decode', (_name, bytes) => {
    expect(() => temperatureMeasurement.decode(Uint8Array.from(bytes))).toThrow(
      expect.objectContaining({ code: 'gatt-decode' }),
    )
  })
})
