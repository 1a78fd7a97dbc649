import { ByteReader, ByteWriter } from './bytes.js'
import type { GattCharacteristic } from './characteristic.js'
import { dateTimeToWallClockMs, toGattDateTime, type GattDateTime } from './date-time.js'
import { finiteVital } from './finite-vital.js'

/**
 * Temperature Measurement, 0x2A1C (Health Thermometer Service; GATT
 * Specification Supplement "Temperature Measurement"):
 *
 *   flags             uint8  bit 0 units (0 °C, 1 °F), bit 1 time stamp present,
 *                            bit 2 temperature type present, bits 3–7 reserved
 *   temperature       FLOAT
 *   time stamp        Date Time (7)  if bit 1
 *   temperature type  uint8          if bit 2 (see TEMPERATURE_TYPES)
 */
export const TEMPERATURE_MEASUREMENT_UUID = '2a1c'
const NAME = 'Temperature Measurement'

const FLAG_FAHRENHEIT = 0x01
const FLAG_TIME_STAMP = 0x02
const FLAG_TEMPERATURE_TYPE = 0x04

/** Temperature Type codes (GATT Specification Supplement "Temperature Type"); others reserved. */
export const TEMPERATURE_TYPES: Readonly<Record<number, string>> = {
  1: 'armpit',
  2: 'body',
  3: 'ear',
  4: 'finger',
  5: 'gastro-intestinal-tract',
  6: 'mouth',
  7: 'rectum',
  8: 'toe',
  9: 'tympanum',
}

export interface TemperatureMeasurement {
  unit: 'Cel' | 'degF'
  temperature: number
  timestamp: GattDateTime | null
  /** Code of TEMPERATURE_TYPES (site of measurement). */
  temperatureType: number | null
}

export function decodeTemperatureMeasurement(bytes: Uint8Array): TemperatureMeasurement {
  const reader = new ByteReader(bytes, NAME)
  const flags = reader.uint8('flags')
  const temperature = reader.float('temperature')
  const timestamp = flags & FLAG_TIME_STAMP ? reader.dateTime('time stamp') : null
  const temperatureType = flags & FLAG_TEMPERATURE_TYPE ? reader.uint8('temperature type') : null
  return { unit: flags & FLAG_FAHRENHEIT ? 'degF' : 'Cel', temperature, timestamp, temperatureType }
}

export interface TemperatureMeasurementFields {
  temperature: number
  unit: 'Cel' | 'degF'
  timestamp?: GattDateTime | Date
  temperatureType?: number
}

export function encodeTemperatureMeasurement(fields: TemperatureMeasurementFields): Uint8Array {
  const flags =
    (fields.unit === 'degF' ? FLAG_FAHRENHEIT : 0) |
    (fields.timestamp !== undefined ? FLAG_TIME_STAMP : 0) |
    (fields.temperatureType !== undefined ? FLAG_TEMPERATURE_TYPE : 0)
  const writer = new ByteWriter().uint8(flags, 'flags').float(fields.temperature)
  if (fields.timestamp !== undefined)
    writer.dateTime(toGattDateTime(fields.timestamp), 'time stamp')
  if (fields.temperatureType !== undefined) writer.uint8(fields.temperatureType, 'temperature type')
  return writer.toBytes()
}

export const temperatureMeasurement: GattCharacteristic = {
  uuid: TEMPERATURE_MEASUREMENT_UUID,
  name: NAME,
  decode(bytes) {
    const m = decodeTemperatureMeasurement(bytes)
    return {
      characteristic: TEMPERATURE_MEASUREMENT_UUID,
      name: NAME,
      vitals: [
        finiteVital(NAME, 'body-temperature', m.temperature, m.unit === 'Cel' ? 'Cel' : '[degF]'),
      ],
      deviceTimeMs: m.timestamp ? dateTimeToWallClockMs(m.timestamp) : null,
    }
  },
}
