import { ProtocolError } from '../errors.js'
import { ByteReader, ByteWriter } from './bytes.js'
import type { GattCharacteristic } from './characteristic.js'
import { dateTimeToWallClockMs, toGattDateTime, type GattDateTime } from './date-time.js'

/**
 * Weight Measurement, 0x2A9D (Weight Scale Service; GATT
 * Specification Supplement "Weight Measurement"):
 *
 *   flags      uint8   bit 0 units (0 SI: kg, m; 1 imperial: lb, in)
 *                      bit 1 time stamp present, bit 2 user id present,
 *                      bit 3 BMI and height present, bits 4–7 reserved
 *   weight     uint16  × 0.005 kg, or × 0.01 lb; 0xFFFF = measurement unsuccessful
 *   time stamp Date Time (7)   if bit 1
 *   user id    uint8           if bit 2 (0xFF = unknown user)
 *   BMI        uint16  × 0.1   if bit 3
 *   height     uint16  × 0.001 m, or × 0.1 in   if bit 3
 */
export const WEIGHT_MEASUREMENT_UUID = '2a9d'
const NAME = 'Weight Measurement'

const FLAG_IMPERIAL = 0x01
const FLAG_TIME_STAMP = 0x02
const FLAG_USER_ID = 0x04
const FLAG_BMI_HEIGHT = 0x08
const WEIGHT_UNSUCCESSFUL = 0xffff

export interface WeightMeasurement {
  unit: 'kg' | 'lb'
  /** In `unit`; null when the scale reports "measurement unsuccessful". */
  weight: number | null
  timestamp: GattDateTime | null
  /** 255 is "unknown user". */
  userId: number | null
  bmi: number | null
  /** In m when `unit` is kg, in inches when lb. */
  height: number | null
}

/** Throws ProtocolError `gatt-decode` when the value is too short for its flags. */
export function decodeWeightMeasurement(bytes: Uint8Array): WeightMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const isImperial = (flags & FLAG_IMPERIAL) !== 0
  const rawWeight = reader.uint16('weight')
  const timestamp = flags & FLAG_TIME_STAMP ? reader.dateTime('time stamp') : null
  const userId = flags & FLAG_USER_ID ? reader.uint8('user id') : null
  let bmi: number | null = null
  let height: number | null = null
  if (flags & FLAG_BMI_HEIGHT) {
    bmi = reader.uint16('BMI') / 10
    const rawHeight = reader.uint16('height')
    height = isImperial ? rawHeight / 10 : rawHeight / 1000
  }
  return {
    unit: isImperial ? 'lb' : 'kg',
    // Integer arithmetic then one division, so 16480 gives exactly 82.4.
    weight:
      rawWeight === WEIGHT_UNSUCCESSFUL
        ? null
        : isImperial
          ? rawWeight / 100
          : (rawWeight * 5) / 1000,
    timestamp,
    userId,
    bmi,
    height,
  }
}

export type WeightMeasurementFields = ({ kg: number; lb?: never } | { lb: number; kg?: never }) & {
  timestamp?: GattDateTime | Date
  userId?: number
  bmi?: number
  /** With `kg`. */
  heightM?: number
  /** With `lb`. */
  heightIn?: number
}

/** Encodes a Weight Measurement; values are rounded to the characteristic's resolution. */
export function encodeWeightMeasurement(fields: WeightMeasurementFields): Uint8Array {
  const isImperial = fields.lb !== undefined
  const height = isImperial ? fields.heightIn : fields.heightM
  const hasBmiHeight = fields.bmi !== undefined || height !== undefined
  const flags =
    (isImperial ? FLAG_IMPERIAL : 0) |
    (fields.timestamp !== undefined ? FLAG_TIME_STAMP : 0) |
    (fields.userId !== undefined ? FLAG_USER_ID : 0) |
    (hasBmiHeight ? FLAG_BMI_HEIGHT : 0)
  const writer = new ByteWriter().uint8(flags, 'flags')
  const rawWeight = isImperial
    ? Math.round((fields.lb ?? 0) * 100)
    : Math.round((fields.kg ?? 0) / 0.005)
  if (rawWeight >= WEIGHT_UNSUCCESSFUL) {
    throw new ProtocolError(
      'invalid-field',
      `weight ${fields.lb ?? fields.kg} does not fit the characteristic`,
    )
  }
  writer.uint16(rawWeight, 'weight')
  if (fields.timestamp !== undefined)
    writer.dateTime(toGattDateTime(fields.timestamp), 'time stamp')
  if (fields.userId !== undefined) writer.uint8(fields.userId, 'user id')
  if (hasBmiHeight) {
    writer.uint16(Math.round((fields.bmi ?? 0) * 10), 'BMI')
    writer.uint16(Math.round((height ?? 0) * (isImperial ? 10 : 1000)), 'height')
  }
  return writer.toBytes()
}

export const weightMeasurement: GattCharacteristic = {
  uuid: WEIGHT_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodeWeightMeasurement(bytes)
    if (m.weight === null)
      throw new ProtocolError(
        'gatt-decode',
        `${NAME}: the scale reports the measurement unsuccessful`,
      )
    return {
      characteristic: WEIGHT_MEASUREMENT_UUID,
      name: NAME,
      vitals: [{ type: 'body-weight', value: m.weight, unit: m.unit === 'kg' ? 'kg' : '[lb_av]' }],
      deviceTimeMs: m.timestamp ? dateTimeToWallClockMs(m.timestamp) : null,
    }
  },
}
