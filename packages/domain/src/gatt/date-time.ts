import { ProtocolError } from '../errors.js'
import { daysInMonth } from '../protocol/iso-time.js'

/**
 * Bluetooth Date Time (GATT Specification Supplement, "Date Time", 0x2A08):
 * year uint16 (1582–9999, 0 = unknown), month uint8 (1–12, 0 = unknown),
 * day uint8 (1–31, 0 = unknown), hours 0–23, minutes 0–59, seconds 0–59.
 * 7 octets, little-endian. It names a wall-clock time with no zone.
 */
export interface GattDateTime {
  year: number
  month: number
  day: number
  hours: number
  minutes: number
  seconds: number
}

export const DATE_TIME_BYTES = 7

/** Throws ProtocolError `gatt-decode` when a field is outside its range. */
export function checkDateTime(dt: GattDateTime, field: string): GattDateTime {
  const problem =
    dt.year !== 0 && (dt.year < 1582 || dt.year > 9999)
      ? `year ${dt.year}`
      : dt.month > 12
        ? `month ${dt.month}`
        : dt.day > 31 ||
            (dt.year !== 0 && dt.month !== 0 && dt.day > daysInMonth(dt.year, dt.month))
          ? `day ${dt.day}`
          : dt.hours > 23
            ? `hours ${dt.hours}`
            : dt.minutes > 59
              ? `minutes ${dt.minutes}`
              : dt.seconds > 59
                ? `seconds ${dt.seconds}`
                : null
  if (problem !== null)
    throw new ProtocolError('gatt-decode', `${field}: ${problem} is not a valid date-time`)
  return dt
}

/** True when year, month or day is 0 ("not known"): the time stamp says nothing. */
export function isUnknownDateTime(dt: GattDateTime): boolean {
  return dt.year === 0 || dt.month === 0 || dt.day === 0
}

/** Wall-clock time in ms as if it were UTC; null when the date is unknown. */
export function dateTimeToWallClockMs(dt: GattDateTime): number | null {
  if (isUnknownDateTime(dt)) return null
  return Date.UTC(dt.year, dt.month - 1, dt.day, dt.hours, dt.minutes, dt.seconds)
}

/** The wall-clock fields of `date` at a zone `offsetMinutes` east of UTC (0: UTC). */
export function dateTimeFromDate(date: Date, offsetMinutes = 0): GattDateTime {
  const wall = new Date(date.getTime() + offsetMinutes * 60_000)
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hours: wall.getUTCHours(),
    minutes: wall.getUTCMinutes(),
    seconds: wall.getUTCSeconds(),
  }
}

/** Encoder input: Bluetooth fields as they are, or a Date written in UTC. */
export function toGattDateTime(input: GattDateTime | Date): GattDateTime {
  return input instanceof Date ? dateTimeFromDate(input) : input
}
