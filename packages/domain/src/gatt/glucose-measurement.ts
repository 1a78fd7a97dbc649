import { ProtocolError } from '../errors.js'
import { ByteReader, ByteWriter } from './bytes.js'
import { decodeBitFlags, encodeBitFlags } from './bit-flags.js'
import type { GattCharacteristic } from './characteristic.js'
import { dateTimeToWallClockMs, toGattDateTime, type GattDateTime } from './date-time.js'
import { finiteVital } from './finite-vital.js'

/**
 * Glucose Measurement, 0x2A18 (Glucose Service; GATT Specification
 * Supplement "Glucose Measurement"):
 *
 *   flags                uint8   bit 0 time offset present,
 *                                bit 1 concentration, type and sample location present,
 *                                bit 2 concentration units (0 kg/L, 1 mol/L),
 *                                bit 3 sensor status annunciation present,
 *                                bit 4 context information follows, bits 5–7 reserved
 *   sequence number      uint16
 *   base time            Date Time (7)
 *   time offset          sint16 minutes            if bit 0
 *   concentration        SFLOAT kg/L or mol/L      if bit 1
 *   type-sample location uint8: type = low nibble,
 *                        sample location = high    if bit 1
 *   sensor status        uint16                    if bit 3
 *
 * The measurement time is base time + time offset.
 */
export const GLUCOSE_MEASUREMENT_UUID = '2a18'
const NAME = 'Glucose Measurement'

const FLAG_TIME_OFFSET = 0x01
const FLAG_CONCENTRATION = 0x02
const FLAG_MOL_PER_L = 0x04
const FLAG_SENSOR_STATUS = 0x08
const FLAG_CONTEXT_FOLLOWS = 0x10

/** Time offset codes for "overrun" and "underrun" (GLS): the offset, and so the time, is unknown. */
const TIME_OFFSET_OVERRUN = 0x7fff
const TIME_OFFSET_UNDERRUN = -0x8000

/** Glucose sample Type codes (low nibble); others reserved. */
export const GLUCOSE_TYPES: Readonly<Record<number, string>> = {
  1: 'capillary-whole-blood',
  2: 'capillary-plasma',
  3: 'venous-whole-blood',
  4: 'venous-plasma',
  5: 'arterial-whole-blood',
  6: 'arterial-plasma',
  7: 'undetermined-whole-blood',
  8: 'undetermined-plasma',
  9: 'interstitial-fluid',
  10: 'control-solution',
}
const TYPE_CONTROL_SOLUTION = 10

/** Sample Location codes (high nibble); 15 = not available, others reserved. */
export const GLUCOSE_SAMPLE_LOCATIONS: Readonly<Record<number, string>> = {
  1: 'finger',
  2: 'alternate-site-test',
  3: 'earlobe',
  4: 'control-solution',
  15: 'not-available',
}
const LOCATION_CONTROL_SOLUTION = 4

export type GlucoseSensorStatusFlag =
  | 'device-battery-low'
  | 'sensor-malfunction'
  | 'sample-size-insufficient'
  | 'strip-insertion-error'
  | 'strip-type-incorrect'
  | 'result-higher-than-device-can-process'
  | 'result-lower-than-device-can-process'
  | 'sensor-temperature-too-high'
  | 'sensor-temperature-too-low'
  | 'sensor-read-interrupted'
  | 'general-device-fault'
  | 'time-fault'

/** Sensor Status Annunciation bits 0–11; 12–15 reserved. */
const SENSOR_STATUS_BITS: readonly (GlucoseSensorStatusFlag | null)[] = [
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
]

/**
 * Statuses by which the meter says its result is not a valid value (fault,
 * bad strip or sample, out of what it can measure). A low battery is only
 * noted; a time fault discards the time stamp instead.
 */
const INVALIDATING_STATUS: readonly GlucoseSensorStatusFlag[] = SENSOR_STATUS_BITS.filter(
  (flag): flag is GlucoseSensorStatusFlag =>
    flag !== null && flag !== 'device-battery-low' && flag !== 'time-fault',
)

export interface GlucoseMeasurement {
  sequenceNumber: number
  baseTime: GattDateTime
  /** Minutes to add to base time; null when absent. */
  timeOffsetMinutes: number | null
  unit: 'kg/L' | 'mol/L'
  /** In `unit`; null when the value carries no concentration. */
  concentration: number | null
  /** Code of GLUCOSE_TYPES. */
  type: number | null
  /** Code of GLUCOSE_SAMPLE_LOCATIONS. */
  sampleLocation: number | null
  sensorStatus: GlucoseSensorStatusFlag[] | null
  /** A Glucose Measurement Context (0x2A34) follows; it is not decoded here. */
  hasContextInformation: boolean
}

export function decodeGlucoseMeasurement(bytes: Uint8Array): GlucoseMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const sequenceNumber = reader.uint16('sequence number')
  const baseTime = reader.dateTime('base time')
  const timeOffsetMinutes = flags & FLAG_TIME_OFFSET ? reader.sint16('time offset') : null
  let concentration: number | null = null
  let type: number | null = null
  let sampleLocation: number | null = null
  if (flags & FLAG_CONCENTRATION) {
    concentration = reader.sfloat('glucose concentration')
    const typeAndLocation = reader.uint8('type-sample location')
    type = typeAndLocation & 0x0f
    sampleLocation = typeAndLocation >> 4
  }
  const sensorStatus =
    flags & FLAG_SENSOR_STATUS
      ? decodeBitFlags(reader.uint16('sensor status annunciation'), SENSOR_STATUS_BITS)
      : null
  return {
    sequenceNumber,
    baseTime,
    timeOffsetMinutes,
    unit: flags & FLAG_MOL_PER_L ? 'mol/L' : 'kg/L',
    concentration,
    type,
    sampleLocation,
    sensorStatus,
    hasContextInformation: (flags & FLAG_CONTEXT_FOLLOWS) !== 0,
  }
}

export interface GlucoseMeasurementFields {
  sequenceNumber: number
  baseTime: GattDateTime | Date
  timeOffsetMinutes?: number
  /** Native units of the characteristic: 5.5 mmol/L is 0.0055 mol/L; 99 mg/dL is 0.00099 kg/L. */
  concentration?: { value: number; unit: 'kg/L' | 'mol/L' }
  /** GLUCOSE_TYPES code, with concentration (default 1, capillary whole blood). */
  type?: number
  /** GLUCOSE_SAMPLE_LOCATIONS code, with concentration (default 1, finger). */
  sampleLocation?: number
  sensorStatus?: GlucoseSensorStatusFlag[]
  hasContextInformation?: boolean
}

export function encodeGlucoseMeasurement(fields: GlucoseMeasurementFields): Uint8Array {
  const flags =
    (fields.timeOffsetMinutes !== undefined ? FLAG_TIME_OFFSET : 0) |
    (fields.concentration !== undefined ? FLAG_CONCENTRATION : 0) |
    (fields.concentration?.unit === 'mol/L' ? FLAG_MOL_PER_L : 0) |
    (fields.sensorStatus !== undefined ? FLAG_SENSOR_STATUS : 0) |
    (fields.hasContextInformation ? FLAG_CONTEXT_FOLLOWS : 0)
  const writer = new ByteWriter()
    .uint8(flags, 'flags')
    .uint16(fields.sequenceNumber, 'sequence number')
    .dateTime(toGattDateTime(fields.baseTime), 'base time')
  if (fields.timeOffsetMinutes !== undefined) writer.sint16(fields.timeOffsetMinutes, 'time offset')
  if (fields.concentration !== undefined) {
    const type = fields.type ?? 1
    const location = fields.sampleLocation ?? 1
    if (type > 15 || location > 15) {
      throw new ProtocolError('invalid-field', 'glucose type and sample location are 4-bit codes')
    }
    writer.sfloat(fields.concentration.value).uint8(type | (location << 4), 'type-sample location')
  }
  if (fields.sensorStatus !== undefined) {
    writer.uint16(
      encodeBitFlags(fields.sensorStatus, SENSOR_STATUS_BITS),
      'sensor status annunciation',
    )
  }
  return writer.toBytes()
}

export const glucoseMeasurement: GattCharacteristic = {
  uuid: GLUCOSE_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodeGlucoseMeasurement(bytes)
    if (m.concentration === null) {
      throw new ProtocolError(
        'gatt-decode',
        `${NAME}: value carries no glucose concentration (flag bit 1 clear)`,
      )
    }
    if (m.type === TYPE_CONTROL_SOLUTION || m.sampleLocation === LOCATION_CONTROL_SOLUTION) {
      throw new ProtocolError(
        'gatt-decode',
        `${NAME}: a control solution test, not a patient reading`,
      )
    }
    const invalidating = m.sensorStatus?.filter((flag) => INVALIDATING_STATUS.includes(flag)) ?? []
    if (invalidating.length > 0) {
      throw new ProtocolError('gatt-decode', `${NAME}: meter reports ${invalidating.join(', ')}`)
    }
    return {
      characteristic: GLUCOSE_MEASUREMENT_UUID,
      name: NAME,
      vitals: [finiteVital(NAME, 'blood-glucose', m.concentration, m.unit)],
      deviceTimeMs: glucoseDeviceTime(m),
    }
  },
}

function glucoseDeviceTime(m: GlucoseMeasurement): number | null {
  if (m.sensorStatus?.includes('time-fault')) return null
  const offset = m.timeOffsetMinutes ?? 0
  if (offset === TIME_OFFSET_OVERRUN || offset === TIME_OFFSET_UNDERRUN) return null
  const base = dateTimeToWallClockMs(m.baseTime)
  return base === null ? null : base + offset * 60_000
}
