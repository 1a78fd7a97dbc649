import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeBloodPressureMeasurement,
  encodeBloodPressureMeasurement,
  type BloodPressureStatusFlag,
} from './blood-pressure-measurement.js'
import type { GattDateTime } from './date-time.js'
import { decodeFloat } from './float.js'
import {
  decodeGlucoseMeasurement,
  encodeGlucoseMeasurement,
  type GlucoseSensorStatusFlag,
} from './glucose-measurement.js'
import {
  decodePlxContinuousMeasurement,
  encodePlxContinuousMeasurement,
} from './plx-continuous-measurement.js'
import {
  decodePlxSpotCheckMeasurement,
  encodePlxSpotCheckMeasurement,
} from './plx-spot-check-measurement.js'
import {
  PLX_DEVICE_AND_SENSOR_STATUS_BITS,
  PLX_MEASUREMENT_STATUS_BITS,
  type PlxDeviceAndSensorStatusFlag,
  type PlxMeasurementStatusFlag,
} from './plx-status.js'
import { decodeSfloat, encodeSfloat } from './sfloat.js'
import {
  decodeTemperatureMeasurement,
  encodeTemperatureMeasurement,
} from './temperature-measurement.js'
import { decodeWeightMeasurement, encodeWeightMeasurement } from './weight-measurement.js'

// encode → decode round trips of every characteristic, over every flag
// combination: what the device simulator sends is what the platform reads.

const gattDateTime: fc.Arbitrary<GattDateTime> = fc.record({
  year: fc.integer({ min: 1582, max: 9999 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hours: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 0, max: 59 }),
  seconds: fc.integer({ min: 0, max: 59 }),
})

/** A number an SFLOAT holds (what a device could send). */
const sfloatNumber = fc
  .integer({ min: 0, max: 0xffff })
  .map(decodeSfloat)
  .filter(Number.isFinite)
  .map((v) => decodeSfloat(encodeSfloat(v)))

const floatNumber = fc.integer({ min: 0, max: 0xffffffff }).map(decodeFloat).filter(Number.isFinite)
const uint8 = fc.integer({ min: 0, max: 0xff })
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
const flagsOf = <T extends string>(bits: readonly (T | null)[]) =>
  fc.subarray(bits.filter((b): b is T => b !== null))

describe('characteristic codecs round-trip', () => {
  it('Weight Measurement', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 0xfffe }),
        optional(gattDateTime),
        optional(uint8),
        optional(
          fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })),
        ),
        (isImperial, rawWeight, timestamp, userId, bmiHeight) => {
          const weight = isImperial ? rawWeight / 100 : (rawWeight * 5) / 1000
          const bmi = bmiHeight ? bmiHeight[0] / 10 : undefined
          const height = bmiHeight ? bmiHeight[1] / (isImperial ? 10 : 1000) : undefined
          const bytes = encodeWeightMeasurement({
            ...(isImperial ? { lb: weight, heightIn: height } : { kg: weight, heightM: height }),
            timestamp,
            userId,
            bmi,
          })
          expect(decodeWeightMeasurement(bytes)).toEqual({
            unit: isImperial ? 'lb' : 'kg',
            weight,
            timestamp: timestamp ?? null,
            userId: userId ?? null,
            bmi: bmi ?? null,
            height: height ?? null,
          })
        },
      ),
    )
  })

  it('Blood Pressure Measurement', () => {
    // The two pulse-range flags share one 2-bit field: at most one of them.
    const status = fc
      .subarray<BloodPressureStatusFlag>([
        'body-movement',
        'cuff-too-loose',
        'irregular-pulse',
        'improper-position',
      ])
      .chain((flags) =>
        fc
          .constantFrom<BloodPressureStatusFlag[]>(
            [],
            ['pulse-rate-above-upper-limit'],
            ['pulse-rate-below-lower-limit'],
          )
          .map((range) => [...flags, ...range]),
      )
    fc.assert(
      fc.property(
        fc.record({
          systolic: sfloatNumber,
          diastolic: sfloatNumber,
          map: sfloatNumber,
          unit: fc.constantFrom<'mmHg' | 'kPa'>('mmHg', 'kPa'),
          pulse: optional(sfloatNumber),
          timestamp: optional(gattDateTime),
          userId: optional(uint8),
          status: optional(status),
        }),
        (fields) => {
          const decoded = decodeBloodPressureMeasurement(encodeBloodPressureMeasurement(fields))
          const order = (flags: BloodPressureStatusFlag[] | null | undefined) =>
            flags ? [...flags].sort() : null
          expect({ ...decoded, status: order(decoded.status) }).toEqual({
            ...fields,
            pulse: fields.pulse ?? null,
            timestamp: fields.timestamp ?? null,
            userId: fields.userId ?? null,
            status: order(fields.status),
          })
        },
      ),
    )
  })

  it('PLX Spot-Check Measurement', () => {
    fc.assert(
      fc.property(
        fc.record({
          spo2: sfloatNumber,
          pulse: sfloatNumber,
          timestamp: optional(gattDateTime),
          isDeviceClockNotSet: fc.boolean(),
          measurementStatus: optional(
            flagsOf<PlxMeasurementStatusFlag>(PLX_MEASUREMENT_STATUS_BITS),
          ),
          deviceAndSensorStatus: optional(
            flagsOf<PlxDeviceAndSensorStatusFlag>(PLX_DEVICE_AND_SENSOR_STATUS_BITS),
          ),
          pulseAmplitudeIndex: optional(sfloatNumber),
        }),
        (fields) => {
          expect(decodePlxSpotCheckMeasurement(encodePlxSpotCheckMeasurement(fields))).toEqual({
            ...fields,
            timestamp: fields.timestamp ?? null,
            measurementStatus: fields.measurementStatus ?? null,
            deviceAndSensorStatus: fields.deviceAndSensorStatus ?? null,
            pulseAmplitudeIndex: fields.pulseAmplitudeIndex ?? null,
          })
        },
      ),
    )
  })

  it('PLX Continuous Measurement', () => {
    const pair = fc.record({ spo2: sfloatNumber, pulse: sfloatNumber })
    fc.assert(
      fc.property(
        fc.record({
          spo2: sfloatNumber,
          pulse: sfloatNumber,
          fast: optional(pair),
          slow: optional(pair),
          measurementStatus: optional(
            flagsOf<PlxMeasurementStatusFlag>(PLX_MEASUREMENT_STATUS_BITS),
          ),
          deviceAndSensorStatus: optional(
            flagsOf<PlxDeviceAndSensorStatusFlag>(PLX_DEVICE_AND_SENSOR_STATUS_BITS),
          ),
          pulseAmplitudeIndex: optional(sfloatNumber),
        }),
        (fields) => {
          expect(decodePlxContinuousMeasurement(encodePlxContinuousMeasurement(fields))).toEqual({
            normal: { spo2: fields.spo2, pulse: fields.pulse },
            fast: fields.fast ?? null,
            slow: fields.slow ?? null,
            measurementStatus: fields.measurementStatus ?? null,
            deviceAndSensorStatus: fields.deviceAndSensorStatus ?? null,
            pulseAmplitudeIndex: fields.pulseAmplitudeIndex ?? null,
          })
        },
      ),
    )
  })

  it('Temperature Measurement', () => {
    fc.assert(
      fc.property(
        fc.record({
          temperature: floatNumber,
          unit: fc.constantFrom<'Cel' | 'degF'>('Cel', 'degF'),
          timestamp: optional(gattDateTime),
          temperatureType: optional(uint8),
        }),
        (fields) => {
          expect(decodeTemperatureMeasurement(encodeTemperatureMeasurement(fields))).toEqual({
            ...fields,
            timestamp: fields.timestamp ?? null,
            temperatureType: fields.temperatureType ?? null,
          })
        },
      ),
    )
  })

  it('Glucose Measurement', () => {
    const sensorStatus = fc.subarray<GlucoseSensorStatusFlag>([
      'device-battery-low',
      'sensor-malfunction',
      'sample-size-insufficient',
      'strip-insertion-error',
      'strip-type-incorrect',
      'result-higher-than-device-can-process',
      'result-lower-than-device-can-process',
      'sensor-temperature-too-high',
      'sensor-temperature-too-low',
      'sensor-read-interrupted',
      'general-device-fault',
      'time-fault',
    ])
    fc.assert(
      fc.property(
        fc.record({
          sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
          baseTime: gattDateTime,
          timeOffsetMinutes: optional(fc.integer({ min: -0x8000, max: 0x7fff })),
          concentration: optional(
            fc.record({
              value: sfloatNumber,
              unit: fc.constantFrom<'kg/L' | 'mol/L'>('kg/L', 'mol/L'),
            }),
          ),
          type: fc.integer({ min: 0, max: 15 }),
          sampleLocation: fc.integer({ min: 0, max: 15 }),
          sensorStatus: optional(sensorStatus),
          hasContextInformation: fc.boolean(),
        }),
        (fields) => {
          const hasConcentration = fields.concentration !== undefined
          expect(decodeGlucoseMeasurement(encodeGlucoseMeasurement(fields))).toEqual({
            sequenceNumber: fields.sequenceNumber,
            baseTime: fields.baseTime,
            timeOffsetMinutes: fields.timeOffsetMinutes ?? null,
            unit: fields.concentration?.unit ?? 'kg/L',
            concentration: fields.concentration?.value ?? null,
            type: hasConcentration ? fields.type : null,
            sampleLocation: hasConcentration ? fields.sampleLocation : null,
            sensorStatus: fields.sensorStatus ?? null,
            hasContextInformation: fields.hasContextInformation,
          })
        },
      ),
    )
  })
})
