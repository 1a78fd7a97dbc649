import { ByteReader, ByteWriter } from './bytes.js'
import { decodeBitFlags, encodeBitFlags } from './bit-flags.js'
import type { GattCharacteristic, GattVital } from './characteristic.js'
import { dateTimeToWallClockMs, toGattDateTime, type GattDateTime } from './date-time.js'
import { finiteVital } from './finite-vital.js'

/**
 * Blood Pressure Measurement, 0x2A35 (Blood Pressure Service; GATT
 * Specification Supplement "Blood Pressure Measurement"):
 *
 *   flags       uint8   bit 0 units (0 mmHg, 1 kPa), bit 1 time stamp present,
 *                       bit 2 pulse rate present, bit 3 user id present,
 *                       bit 4 measurement status present, bits 5–7 reserved
 *   systolic    SFLOAT
 *   diastolic   SFLOAT
 *   MAP         SFLOAT  (mean arterial pressure)
 *   time stamp  Date Time (7)   if bit 1
 *   pulse rate  SFLOAT /min     if bit 2
 *   user id     uint8           if bit 3 (0xFF = unknown user)
 *   status      uint16          if bit 4 (bits below)
 */
export const BLOOD_PRESSURE_MEASUREMENT_UUID = '2a35'
const NAME = 'Blood Pressure Measurement'

const FLAG_KPA = 0x01
const FLAG_TIME_STAMP = 0x02
const FLAG_PULSE = 0x04
const FLAG_USER_ID = 0x08
const FLAG_STATUS = 0x10

/**
 * Measurement Status bits 0–5 (Blood Pressure Service). Bits 3–4 are the 2-bit pulse
 * rate range: 1 = above upper limit, 2 = below lower limit (3 reserved).
 */
export type BloodPressureStatusFlag =
  | 'body-movement'
  | 'cuff-too-loose'
  | 'irregular-pulse'
  | 'pulse-rate-above-upper-limit'
  | 'pulse-rate-below-lower-limit'
  | 'improper-position'

const STATUS_BITS: readonly (BloodPressureStatusFlag | null)[] = [
  'body-movement',
  'cuff-too-loose',
  'irregular-pulse',
  'pulse-rate-above-upper-limit',
  'pulse-rate-below-lower-limit',
  'improper-position',
]

export interface BloodPressureMeasurement {
  unit: 'mmHg' | 'kPa'
  systolic: number
  diastolic: number
  /** Mean arterial pressure; not a reading of the platform. */
  map: number
  timestamp: GattDateTime | null
  pulse: number | null
  userId: number | null
  status: BloodPressureStatusFlag[] | null
}

export function decodeBloodPressureMeasurement(bytes: Uint8Array): BloodPressureMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const systolic = reader.sfloat('systolic')
  const diastolic = reader.sfloat('diastolic')
  const map = reader.sfloat('MAP')
  const timestamp = flags & FLAG_TIME_STAMP ? reader.dateTime('time stamp') : null
  const pulse = flags & FLAG_PULSE ? reader.sfloat('pulse rate') : null
  const userId = flags & FLAG_USER_ID ? reader.uint8('user id') : null
  // Range value 3 of bits 3–4 is reserved: both bits set means neither flag.
  const rawStatus = flags & FLAG_STATUS ? reader.uint16('measurement status') : null
  const status =
    rawStatus === null
      ? null
      : decodeBitFlags((rawStatus & 0x18) === 0x18 ? rawStatus & ~0x18 : rawStatus, STATUS_BITS)
  return {
    unit: flags & FLAG_KPA ? 'kPa' : 'mmHg',
    systolic,
    diastolic,
    map,
    timestamp,
    pulse,
    userId,
    status,
  }
}

export interface BloodPressureMeasurementFields {
  systolic: number
  diastolic: number
  map: number
  unit: 'mmHg' | 'kPa'
  pulse?: number
  timestamp?: GattDateTime | Date
  userId?: number
  status?: BloodPressureStatusFlag[]
}

export function encodeBloodPressureMeasurement(fields: BloodPressureMeasurementFields): Uint8Array {
  const flags =
    (fields.unit === 'kPa' ? FLAG_KPA : 0) |
    (fields.timestamp !== undefined ? FLAG_TIME_STAMP : 0) |
    (fields.pulse !== undefined ? FLAG_PULSE : 0) |
    (fields.userId !== undefined ? FLAG_USER_ID : 0) |
    (fields.status !== undefined ? FLAG_STATUS : 0)
  const writer = new ByteWriter()
    .uint8(flags, 'flags')
    .sfloat(fields.systolic)
    .sfloat(fields.diastolic)
    .sfloat(fields.map)
  if (fields.timestamp !== undefined)
    writer.dateTime(toGattDateTime(fields.timestamp), 'time stamp')
  if (fields.pulse !== undefined) writer.sfloat(fields.pulse)
  if (fields.userId !== undefined) writer.uint8(fields.userId, 'user id')
  if (fields.status !== undefined)
    writer.uint16(encodeBitFlags(fields.status, STATUS_BITS), 'measurement status')
  return writer.toBytes()
}

export const bloodPressureMeasurement: GattCharacteristic = {
  uuid: BLOOD_PRESSURE_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodeBloodPressureMeasurement(bytes)
    const unit = m.unit === 'kPa' ? 'kPa' : 'mm[Hg]'
    const vitals: GattVital[] = [
      finiteVital(NAME, 'bp-systolic', m.systolic, unit),
      finiteVital(NAME, 'bp-diastolic', m.diastolic, unit),
    ]
    if (m.pulse !== null) vitals.push(finiteVital(NAME, 'pulse', m.pulse, '/min'))
    return {
      characteristic: BLOOD_PRESSURE_MEASUREMENT_UUID,
      name: NAME,
      vitals,
      deviceTimeMs: m.timestamp ? dateTimeToWallClockMs(m.timestamp) : null,
    }
  },
}
