import { ProtocolError } from '../errors.js'
import { checkDateTime, DATE_TIME_BYTES, type GattDateTime } from './date-time.js'
import { decodeFloat, encodeFloat } from './float.js'
import { decodeSfloat, encodeSfloat } from './sfloat.js'

/**
 * Reads a characteristic value field by field, little-endian (device-protocol.md
 * "Raw GATT characteristics"; the SIG tables list fields least significant octet first). Running past the
 * end throws `gatt-decode` naming the field, so a value too short for its
 * flags is refused.
 */
export class ByteReader {
  private offset = 0
  constructor(
    private readonly bytes: Uint8Array,
    private readonly characteristicName: string,
  ) {}

  uint8(field: string): number {
    this.need(1, field)
    return this.bytes[this.offset++] ?? 0
  }

  uint16(field: string): number {
    this.need(2, field)
    const value = (this.bytes[this.offset] ?? 0) | ((this.bytes[this.offset + 1] ?? 0) << 8)
    this.offset += 2
    return value
  }

  sint16(field: string): number {
    const value = this.uint16(field)
    return value >= 0x8000 ? value - 0x10000 : value
  }

  uint24(field: string): number {
    const low = this.uint16(field)
    return low + this.uint8(field) * 0x10000
  }

  uint32(field: string): number {
    const low = this.uint16(field)
    return low + this.uint16(field) * 0x10000
  }

  sfloat(field: string): number {
    return decodeSfloat(this.uint16(field))
  }

  float(field: string): number {
    return decodeFloat(this.uint32(field))
  }

  dateTime(field: string): GattDateTime {
    this.need(DATE_TIME_BYTES, field)
    return checkDateTime(
      {
        year: this.uint16(field),
        month: this.uint8(field),
        day: this.uint8(field),
        hours: this.uint8(field),
        minutes: this.uint8(field),
        seconds: this.uint8(field),
      },
      `${this.characteristicName}: ${field}`,
    )
  }

  private need(count: number, field: string): void {
    if (this.offset + count > this.bytes.length) {
      throw new ProtocolError(
        'gatt-decode',
        `${this.characteristicName}: value of ${this.bytes.length} bytes is too short for its flags (${field} at byte ${this.offset})`,
      )
    }
  }
}

/** Writes a characteristic value little-endian; out-of-range input throws `invalid-field`. */
export class ByteWriter {
  private readonly bytes: number[] = []

  uint8(value: number, field: string): this {
    this.check(value, 0, 0xff, field)
    this.bytes.push(value)
    return this
  }

  uint16(value: number, field: string): this {
    this.check(value, 0, 0xffff, field)
    this.bytes.push(value & 0xff, value >> 8)
    return this
  }

  sint16(value: number, field: string): this {
    this.check(value, -0x8000, 0x7fff, field)
    return this.uint16(value < 0 ? value + 0x10000 : value, field)
  }

  uint24(value: number, field: string): this {
    this.check(value, 0, 0xffffff, field)
    this.bytes.push(value & 0xff, (value >> 8) & 0xff, value >> 16)
    return this
  }

  uint32(value: number, field: string): this {
    this.check(value, 0, 0xffffffff, field)
    return this.uint16(value % 0x10000, field).uint16(Math.floor(value / 0x10000), field)
  }

  sfloat(value: number): this {
    return this.uint16(encodeSfloat(value), 'SFLOAT')
  }

  float(value: number): this {
    return this.uint32(encodeFloat(value), 'FLOAT')
  }

  dateTime(dt: GattDateTime, field: string): this {
    return this.uint16(dt.year, `${field} year`)
      .uint8(dt.month, `${field} month`)
      .uint8(dt.day, `${field} day`)
      .uint8(dt.hours, `${field} hours`)
      .uint8(dt.minutes, `${field} minutes`)
      .uint8(dt.seconds, `${field} seconds`)
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }

  private check(value: number, min: number, max: number, field: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ProtocolError('invalid-field', `${field}: ${value} does not fit ${min}..${max}`)
    }
  }
}
