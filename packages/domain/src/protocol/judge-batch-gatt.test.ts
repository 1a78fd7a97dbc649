import { describe, expect, it } from 'vitest'
import {
  encodeBloodPressureMeasurement,
  encodeGlucoseMeasurement,
  encodePlxContinuousMeasurement,
  encodePlxSpotCheckMeasurement,
  encodeTemperatureMeasurement,
  encodeWeightMeasurement,
  gattMeasurement,
  judgeBatch,
  type BatchJudgement,
  type GattValue,
} from '../index.js'

// judgeBatch on the raw-characteristic form of device-protocol.md.

const receivedAt = new Date('2026-11-22T07:31:06Z')

function judge(
  gatt: GattValue,
  extra: Record<string, unknown> = {},
  sentAt = '2026-11-22T07:31:05Z',
) {
  const payload = JSON.stringify({
    batchId: 'G-000124',
    sentAt,
    measurements: [{ id: 'm2', deviceId: 'AA:BB:CC:00:11:33', gatt, ...extra }],
  })
  const j: BatchJudgement = judgeBatch(payload, { receivedAt })
  if (!j.ok) throw new Error(JSON.stringify(j.receipt))
  return j
}

describe('judgeBatch: GATT measurements', () => {
  it('accepts the example of the spec: a PLX spot-check with measuredAt', () => {
    const gatt = gattMeasurement('2a5e', encodePlxSpotCheckMeasurement({ spo2: 97, pulse: 72 }))
    const j = judge(gatt, { measuredAt: '2026-11-22T07:30:40Z', battery: 55 })
    expect(j.rejected).toEqual([])
    expect(j.readings).toEqual([
      {
        measurementId: 'm2',
        deviceId: 'AA:BB:CC:00:11:33',
        type: 'spo2',
        value: 97,
        unit: '%',
        originalValue: null,
        originalUnit: null,
        measuredAt: new Date('2026-11-22T07:30:40Z'),
        gatewayMeasuredAt: new Date('2026-11-22T07:30:40Z'),
        flags: [],
        battery: 55,
        source: 'gatt',
      },
      expect.objectContaining({
        measurementId: 'm2',
        type: 'pulse',
        value: 72,
        unit: '/min',
        source: 'gatt',
      }),
    ])
  })

  it('prefers the batch measuredAt over the value time stamp', () => {
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-01T00:00:00Z') }),
    )
    const j = judge(gatt, { measuredAt: '2026-11-22T07:30:40Z' })
    expect(j.readings[0]).toMatchObject({ measuredAt: new Date('2026-11-22T07:30:40Z'), flags: [] })
  })

  it('uses the value time stamp when the batch gives none, and says so', () => {
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-22T07:30:40Z') }),
    )
    const j = judge(gatt)
    expect(j.readings[0]).toMatchObject({
      measuredAt: new Date('2026-11-22T07:30:40Z'),
      flags: ['time-from-gatt'],
    })
  })

  it("reads the zone-less GATT time in the zone of the gateway's sentAt", () => {
    // A Norwegian gateway in winter: sentAt 08:31:05+01:00 = 07:31:05Z; the scale says 08:30:40 local.
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({
        kg: 82.4,
        timestamp: { year: 2026, month: 11, day: 22, hours: 8, minutes: 30, seconds: 40 },
      }),
    )
    const j = judge(gatt, {}, '2026-11-22T08:31:05+01:00')
    expect(j.readings[0]?.measuredAt).toEqual(new Date('2026-11-22T07:30:40Z'))
  })

  it('shifts the GATT time stamp when the gateway clock is off', () => {
    // Gateway and scale both 1 h behind.
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-22T06:30:40Z') }),
    )
    const j = judge(gatt, {}, '2026-11-22T06:31:05Z')
    expect(j.readings[0]).toMatchObject({
      measuredAt: new Date('2026-11-22T07:30:41Z'),
      flags: ['time-from-gatt', 'clock-adjusted'],
    })
  })

  it('uses receive time when neither batch nor value has a time', () => {
    const j = judge(
      gattMeasurement('2a5f', encodePlxContinuousMeasurement({ spo2: 95, pulse: 80 })),
    )
    expect(j.readings.map((r) => [r.type, r.measuredAt, r.flags])).toEqual([
      ['spo2', receivedAt, ['time-from-receipt']],
      ['pulse', receivedAt, ['time-from-receipt']],
    ])
  })

  it('converts native units and keeps the native value', () => {
    const lb = judge(gattMeasurement('2a9d', encodeWeightMeasurement({ lb: 181.6 })))
    expect(lb.readings[0]).toMatchObject({
      value: 82.372,
      unit: 'kg',
      originalValue: 181.6,
      originalUnit: '[lb_av]',
    })

    const degF = judge(
      gattMeasurement('2a1c', encodeTemperatureMeasurement({ temperature: 98.6, unit: 'degF' })),
    )
    expect(degF.readings[0]).toMatchObject({
      value: 37,
      unit: 'Cel',
      originalValue: 98.6,
      originalUnit: '[degF]',
    })

    const kPa = judge(
      gattMeasurement(
        '2a35',
        encodeBloodPressureMeasurement({
          systolic: 16,
          diastolic: 10.7,
          map: 12.4,
          unit: 'kPa',
          pulse: 64,
        }),
      ),
    )
    expect(
      kPa.readings.map((r) => [r.type, r.value, r.unit, r.originalValue, r.originalUnit]),
    ).toEqual([
      ['bp-systolic', 120, 'mm[Hg]', 16, 'kPa'],
      ['bp-diastolic', 80.3, 'mm[Hg]', 10.7, 'kPa'],
      ['pulse', 64, '/min', null, null],
    ])
  })

  it('converts glucose kg/L via mg/dL and mol/L to mmol/L, timed base time + offset', () => {
    const baseTime = { year: 2026, month: 11, day: 22, hours: 8, minutes: 0, seconds: 0 }
    const kgPerL = judge(
      gattMeasurement(
        '2a18',
        encodeGlucoseMeasurement({
          sequenceNumber: 1,
          baseTime,
          timeOffsetMinutes: -45,
          concentration: { value: 0.00095, unit: 'kg/L' },
        }),
      ),
    )
    expect(kgPerL.readings[0]).toMatchObject({
      type: 'blood-glucose',
      value: 5.27, // 95 mg/dL / 18.016
      unit: 'mmol/L',
      originalValue: 0.00095,
      originalUnit: 'kg/L',
      measuredAt: new Date('2026-11-22T07:15:00Z'),
      flags: ['time-from-gatt'],
    })
    const molPerL = judge(
      gattMeasurement(
        '2a18',
        encodeGlucoseMeasurement({
          sequenceNumber: 2,
          baseTime,
          concentration: { value: 0.0055, unit: 'mol/L' },
        }),
      ),
      { measuredAt: '2026-11-22T07:00:00Z' },
    )
    expect(molPerL.readings[0]).toMatchObject({
      value: 5.5,
      originalValue: 0.0055,
      originalUnit: 'mol/L',
    })
  })

  it('rejects the whole value when one of its readings is out of range', () => {
    const gatt = gattMeasurement(
      '2a35',
      encodeBloodPressureMeasurement({
        systolic: 320,
        diastolic: 80,
        map: 160,
        unit: 'mmHg',
        pulse: 60,
      }),
    )
    const j = judge(gatt)
    expect(j.readings).toEqual([])
    expect(j.rejected).toEqual([
      {
        id: 'm2',
        code: 'out-of-range',
        detail: 'bp-systolic 320 mm[Hg] outside 40–300',
        raw: expect.objectContaining({ gatt }),
      },
    ])
  })

  it.each([
    ['an unsupported characteristic', { characteristic: '2a37', data: 'AEg=' }, 'gatt-unsupported'],
    ['bad base64', { characteristic: '2a9d', data: '%%%' }, 'gatt-decode'],
    ['a value too short for its flags', { characteristic: '2a9d', data: 'AmBA' }, 'gatt-decode'],
    [
      'an SFLOAT NaN',
      gattMeasurement('2a5e', encodePlxSpotCheckMeasurement({ spo2: NaN, pulse: 72 })),
      'gatt-decode',
    ],
    [
      'a FLOAT +INF',
      gattMeasurement('2a1c', encodeTemperatureMeasurement({ temperature: Infinity, unit: 'Cel' })),
      'gatt-decode',
    ],
    ['characteristic not a string', { characteristic: 0x2a9d, data: 'AGBA' }, 'invalid-field'],
    ['no data', { characteristic: '2a9d' }, 'invalid-field'],
  ])('rejects %s', (_name, gatt, code) => {
    const j = judge(gatt as GattValue)
    expect(j.readings).toEqual([])
    expect(j.rejected[0]).toMatchObject({ id: 'm2', code, raw: expect.objectContaining({ gatt }) })
  })

  it('rejects a GATT time stamp more than 5 minutes in the future', () => {
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-22T09:00:00Z') }),
    )
    expect(judge(gatt).rejected[0]?.code).toBe('future-time')
  })

  it('flags a GATT time stamp more than 24 h old as late', () => {
    const gatt = gattMeasurement(
      '2a9d',
      encodeWeightMeasurement({ kg: 82.4, timestamp: new Date('2026-11-20T07:00:00Z') }),
    )
    expect(judge(gatt).readings[0]?.flags).toEqual(['time-from-gatt', 'late'])
  })
})
