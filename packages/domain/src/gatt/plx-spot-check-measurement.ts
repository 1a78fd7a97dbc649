import { ByteReader, ByteWriter } from './bytes.js'
import { decodeBitFlags, encodeBitFlags } from './bit-flags.js'
import type { GattCharacteristic } from './characteristic.js'
import { dateTimeToWallClockMs, toGattDateTime, type GattDateTime } from './date-time.js'
import { finiteVital } from './finite-vital.js'
import {
  checkPlxMeasurementStatus,
  PLX_DEVICE_AND_SENSOR_STATUS_BITS,
  PLX_MEASUREMENT_STATUS_BITS,
  type PlxDeviceAndSensorStatusFlag,
  type PlxMeasurementStatusFlag,
} from './plx-status.js'

/**
 * PLX Spot-Check Measurement, 0x2A5E (Pulse Oximeter Service; GATT
 * Specification Supplement "PLX Spot-Check Measurement"):
 *
 *   flags                     uint8   bit 0 timestamp present,
 *                                     bit 1 measurement status present,
 *                                     bit 2 device and sensor status present,
 *                                     bit 3 pulse amplitude index present,
 *                                     bit 4 device clock is not set, bits 5–7 reserved
 *   SpO2                      SFLOAT  %
 *   PR                        SFLOAT  /min
 *   timestamp                 Date Time (7)  if bit 0
 *   measurement status        uint16         if bit 1
 *   device and sensor status  uint24         if bit 2
 *   pulse amplitude index     SFLOAT  %      if bit 3
 */
export const PLX_SPOT_CHECK_MEASUREMENT_UUID = '2a5e'
const NAME = 'PLX Spot-Check Measurement'

const FLAG_TIMESTAMP = 0x01
const FLAG_MEASUREMENT_STATUS = 0x02
const FLAG_DEVICE_STATUS = 0x04
const FLAG_PULSE_AMPLITUDE = 0x08
const FLAG_CLOCK_NOT_SET = 0x10

export interface PlxSpotCheckMeasurement {
  spo2: number
  pulse: number
  timestamp: GattDateTime | null
  /** The device says its clock is not set: its timestamp is not used. */
  isDeviceClockNotSet: boolean
  measurementStatus: PlxMeasurementStatusFlag[] | null
  deviceAndSensorStatus: PlxDeviceAndSensorStatusFlag[] | null
  pulseAmplitudeIndex: number | null
}

export function decodePlxSpotCheckMeasurement(bytes: Uint8Array): PlxSpotCheckMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const spo2 = reader.sfloat('SpO2')
  const pulse = reader.sfloat('PR')
  const timestamp = flags & FLAG_TIMESTAMP ? reader.dateTime('timestamp') : null
  const measurementStatus =
    flags & FLAG_MEASUREMENT_STATUS
      ? decodeBitFlags(reader.uint16('measurement status'), PLX_MEASUREMENT_STATUS_BITS)
      : null
  const deviceAndSensorStatus =
    flags & FLAG_DEVICE_STATUS
      ? decodeBitFlags(reader.uint24('device and sensor status'), PLX_DEVICE_AND_SENSOR_STATUS_BITS)
      : null
  const pulseAmplitudeIndex =
    flags & FLAG_PULSE_AMPLITUDE ? reader.sfloat('pulse amplitude index') : null
  return {
    spo2,
    pulse,
    timestamp,
    isDeviceClockNotSet: (flags & FLAG_CLOCK_NOT_SET) !== 0,
    measurementStatus,
    deviceAndSensorStatus,
    pulseAmplitudeIndex,
  }
}

export interface PlxSpotCheckMeasurementFields {
  spo2: number
  pulse: number
  timestamp?: GattDateTime | Date
  isDeviceClockNotSet?: boolean
  measurementStatus?: PlxMeasurementStatusFlag[]
  deviceAndSensorStatus?: PlxDeviceAndSensorStatusFlag[]
  pulseAmplitudeIndex?: number
}

export function encodePlxSpotCheckMeasurement(fields: PlxSpotCheckMeasurementFields): Uint8Array {
  const flags =
    (fields.timestamp !== undefined ? FLAG_TIMESTAMP : 0) |
    (fields.measurementStatus !== undefined ? FLAG_MEASUREMENT_STATUS : 0) |
    (fields.deviceAndSensorStatus !== undefined ? FLAG_DEVICE_STATUS : 0) |
    (fields.pulseAmplitudeIndex !== undefined ? FLAG_PULSE_AMPLITUDE : 0) |
    (fields.isDeviceClockNotSet ? FLAG_CLOCK_NOT_SET : 0)
  const writer = new ByteWriter().uint8(flags, 'flags').sfloat(fields.spo2).sfloat(fields.pulse)
  if (fields.timestamp !== undefined) writer.dateTime(toGattDateTime(fields.timestamp), 'timestamp')
  if (fields.measurementStatus !== undefined) {
    writer.uint16(
      encodeBitFlags(fields.measurementStatus, PLX_MEASUREMENT_STATUS_BITS),
      'measurement status',
    )
  }
  if (fields.deviceAndSensorStatus !== undefined) {
    writer.uint24(
      encodeBitFlags(fields.deviceAndSensorStatus, PLX_DEVICE_AND_SENSOR_STATUS_BITS),
      'device and sensor status',
    )
  }
  if (fields.pulseAmplitudeIndex !== undefined) writer.sfloat(fields.pulseAmplitudeIndex)
  return writer.toBytes()
}

export const plxSpotCheckMeasurement: GattCharacteristic = {
  uuid: PLX_SPOT_CHECK_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodePlxSpotCheckMeasurement(bytes)
    checkPlxMeasurementStatus(NAME, m.measurementStatus)
    return {
      characteristic: PLX_SPOT_CHECK_MEASUREMENT_UUID,
      name: NAME,
      vitals: [finiteVital(NAME, 'spo2', m.spo2, '%'), finiteVital(NAME, 'pulse', m.pulse, '/min')],
      deviceTimeMs:
        m.timestamp && !m.isDeviceClockNotSet ? dateTimeToWallClockMs(m.timestamp) : null,
    }
  },
}
