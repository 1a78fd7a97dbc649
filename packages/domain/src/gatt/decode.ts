import { ProtocolError } from '../errors.js'
import type { GattValue } from '../protocol/schemas.js'
import { decodeBase64, encodeBase64 } from './base64.js'
import { bloodPressureMeasurement } from './blood-pressure-measurement.js'
import type { GattCharacteristic, GattDecoding } from './characteristic.js'
import { glucoseMeasurement } from './glucose-measurement.js'
import { plxContinuousMeasurement } from './plx-continuous-measurement.js'
import { plxSpotCheckMeasurement } from './plx-spot-check-measurement.js'
import { temperatureMeasurement } from './temperature-measurement.js'
import { weightMeasurement } from './weight-measurement.js'

/** The characteristics of device-protocol.md "Raw GATT characteristics", by 16-bit UUID. */
export const GATT_CHARACTERISTICS: ReadonlyMap<string, GattCharacteristic> = new Map(
  [
    weightMeasurement,
    bloodPressureMeasurement,
    plxSpotCheckMeasurement,
    plxContinuousMeasurement,
    temperatureMeasurement,
    glucoseMeasurement,
  ].map((c) => [c.uuid, c]),
)

export type SupportedCharacteristic = '2a9d' | '2a35' | '2a5e' | '2a5f' | '2a1c' | '2a18'

/**
 * Decodes a characteristic value by its 16-bit UUID in lowercase hex, as the
 * protocol spells it (`"2A9D"` or `"0x2a9d"` are not that spelling and get
 * `gatt-unsupported`). Throws ProtocolError `gatt-unsupported` or `gatt-decode`.
 */
export function decodeGatt(characteristic: string, bytes: Uint8Array): GattDecoding {
  const decoder = GATT_CHARACTERISTICS.get(characteristic)
  if (!decoder) {
    const shown = characteristic.length > 64 ? `${characteristic.slice(0, 64)}…` : characteristic
    throw new ProtocolError(
      'gatt-unsupported',
      `characteristic "${shown}" is not supported (supported: ${[...GATT_CHARACTERISTICS.keys()].join(', ')})`,
    )
  }
  return decoder.decode(bytes)
}

/** Decodes the `gatt` object of a measurement (`data` in base64). Throws ProtocolError. */
export function decodeGattBase64(characteristic: string, data: string): GattDecoding {
  // Unsupported before undecodable: the more useful answer for a vendor.
  if (!GATT_CHARACTERISTICS.has(characteristic)) return decodeGatt(characteristic, new Uint8Array())
  return decodeGatt(characteristic, decodeBase64(data))
}

/** The `gatt` object of a measurement for a characteristic value, as a gateway sends it. */
export function gattMeasurement(
  characteristic: SupportedCharacteristic,
  bytes: Uint8Array,
): GattValue {
  return { characteristic, data: encodeBase64(bytes) }
}
