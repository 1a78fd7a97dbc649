import { ByteReader, ByteWriter } from './bytes.js'
import { decodeBitFlags, encodeBitFlags } from './bit-flags.js'
import type { GattCharacteristic } from './characteristic.js'
import { finiteVital } from './finite-vital.js'
import {
  checkPlxMeasurementStatus,
  PLX_DEVICE_AND_SENSOR_STATUS_BITS,
  PLX_MEASUREMENT_STATUS_BITS,
  type PlxDeviceAndSensorStatusFlag,
  type PlxMeasurementStatusFlag,
} from './plx-status.js'

/**
 * PLX Continuous Measurement, 0x2A5F (Pulse Oximeter Service; GATT
 * Specification Supplement "PLX Continuous Measurement"). It has no time stamp.
 *
 *   flags                     uint8   bit 0 SpO2PR-Fast present,
 *                                     bit 1 SpO2PR-Slow present,
 *                                     bit 2 measurement status present,
 *                                     bit 3 device and sensor status present,
 *                                     bit 4 pulse amplitude index present, bits 5–7 reserved
 *   SpO2PR-Normal             SFLOAT SpO2 %, SFLOAT PR /min
 *   SpO2PR-Fast               2 × SFLOAT     if bit 0
 *   SpO2PR-Slow               2 × SFLOAT     if bit 1
 *   measurement status        uint16         if bit 2
 *   device and sensor status  uint24         if bit 3
 *   pulse amplitude index     SFLOAT %       if bit 4
 *
 * The platform's readings come from SpO2PR-Normal (device-protocol.md).
 */
export const PLX_CONTINUOUS_MEASUREMENT_UUID = '2a5f'
const NAME = 'PLX Continuous Measurement'

const FLAG_FAST = 0x01
const FLAG_SLOW = 0x02
const FLAG_MEASUREMENT_STATUS = 0x04
const FLAG_DEVICE_STATUS = 0x08
const FLAG_PULSE_AMPLITUDE = 0x10

export interface SpO2PR {
  spo2: number
  pulse: number
}

export interface PlxContinuousMeasurement {
  normal: SpO2PR
  fast: SpO2PR | null
  slow: SpO2PR | null
  measurementStatus: PlxMeasurementStatusFlag[] | null
  deviceAndSensorStatus: PlxDeviceAndSensorStatusFlag[] | null
  pulseAmplitudeIndex: number | null
}

export function decodePlxContinuousMeasurement(bytes: Uint8Array): PlxContinuousMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const pair = (name: string): SpO2PR => ({
    spo2: reader.sfloat(`${name} SpO2`),
    pulse: reader.sfloat(`${name} PR`),
  })
  const normal = pair('SpO2PR-Normal')
  const fast = flags & FLAG_FAST ? pair('SpO2PR-Fast') : null
  const slow = flags & FLAG_SLOW ? pair('SpO2PR-Slow') : null
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
  return { normal, fast, slow, measurementStatus, deviceAndSensorStatus, pulseAmplitudeIndex }
}

export interface PlxContinuousMeasurementFields {
  spo2: number
  pulse: number
  fast?: SpO2PR
  slow?: SpO2PR
  measurementStatus?: PlxMeasurementStatusFlag[]
  deviceAndSensorStatus?: PlxDeviceAndSensorStatusFlag[]
  pulseAmplitudeIndex?: number
}

export function encodePlxContinuousMeasurement(fields: PlxContinuousMeasurementFields): Uint8Array {
  const flags =
    (fields.fast !== undefined ? FLAG_FAST : 0) |
    (fields.slow !== undefined ? FLAG_SLOW : 0) |
    (fields.measurementStatus !== undefined ? FLAG_MEASUREMENT_STATUS : 0) |
    (fields.deviceAndSensorStatus !== undefined ? FLAG_DEVICE_STATUS : 0) |
    (fields.pulseAmplitudeIndex !== undefined ? FLAG_PULSE_AMPLITUDE : 0)
  const writer = new ByteWriter().uint8(flags, 'flags').sfloat(fields.spo2).sfloat(fields.pulse)
  if (fields.fast !== undefined) writer.sfloat(fields.fast.spo2).sfloat(fields.fast.pulse)
  if (fields.slow !== undefined) writer.sfloat(fields.slow.spo2).sfloat(fields.slow.pulse)
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

export const plxContinuousMeasurement: GattCharacteristic = {
  uuid: PLX_CONTINUOUS_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodePlxContinuousMeasurement(bytes)
    checkPlxMeasurementStatus(NAME, m.measurementStatus)
    return {
      characteristic: PLX_CONTINUOUS_MEASUREMENT_UUID,
      name: NAME,
      vitals: [
        finiteVital(NAME, 'spo2', m.normal.spo2, '%'),
        finiteVital(NAME, 'pulse', m.normal.pulse, '/min'),
      ],
      deviceTimeMs: null,
    }
  },
}
