import { ProtocolError } from '../errors.js'
import type { VitalType } from '../vital-types.js'
import type { GattVital } from './characteristic.js'

/**
 * A vital from a decoded (S)FLOAT; the special values are refused as readings
 * (device-protocol.md "Raw GATT characteristics").
 */
export function finiteVital(
  characteristicName: string,
  type: VitalType,
  value: number,
  unit: string,
): GattVital {
  if (!Number.isFinite(value)) {
    const special = Number.isNaN(value) ? 'NaN, NRes or reserved' : value > 0 ? '+INF' : '-INF'
    throw new ProtocolError(
      'gatt-decode',
      `${characteristicName}: ${type} is a special value (${special}), not a number`,
    )
  }
  return { type, value, unit }
}
