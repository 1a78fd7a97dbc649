import type { VitalType } from '../vital-types.js'

/** One vital value as a characteristic carries it, in its native UCUM unit. */
export interface GattVital {
  type: VitalType
  value: number
  unit: string
}

/** What one characteristic value yields for the platform. */
export interface GattDecoding {
  /** 16-bit UUID, lowercase hex. */
  characteristic: string
  name: string
  /** At least one; a value without any is refused (`gatt-decode`). */
  vitals: GattVital[]
  /**
   * The value's own time stamp as device wall-clock time, in ms as if it were
   * UTC (Bluetooth Date Time carries no zone), or null when absent or unknown.
   */
  deviceTimeMs: number | null
}

/** A supported characteristic: its UUID, SIG name, and how its value becomes vitals. */
export interface GattCharacteristic {
  uuid: string
  name: string
  /** Throws ProtocolError `gatt-decode`. */
  decode(bytes: Uint8Array): GattDecoding
}
