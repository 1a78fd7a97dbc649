/**
 * Time stamps of the protocol: ISO 8601 date-time with an explicit offset
 * (device-protocol.md, "Measurement batch": `measuredAt` "ISO 8601 with offset").
 * A time without an offset is ambiguous (whose local time?) and is refused.
 *
 * Accepted: `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`. `T`/`Z` may be lower
 * case (RFC 3339 §5.6 allows it). Fractions beyond milliseconds are truncated,
 * since `Date` holds milliseconds.
 */
const ISO_OFFSET_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

export interface OffsetDateTime {
  /** The instant. */
  date: Date
  /** The offset written in the string, in minutes east of UTC (`Z` is 0). */
  offsetMinutes: number
}

/** Parses an ISO 8601 date-time with offset; null when the text is not one or names no real date. */
export function parseOffsetDateTime(text: string): OffsetDateTime | null {
  const m = ISO_OFFSET_DATE_TIME.exec(text)
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hours = Number(h)
  const minutes = Number(mi)
  const seconds = s === undefined ? 0 : Number(s)
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'))
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  if (hours > 23 || minutes > 59 || seconds > 59) return null
  let offsetMinutes = 0
  if (zulu === undefined) {
    const offH = Number(oh)
    const offM = Number(om)
    if (offH > 23 || offM > 59) return null
    offsetMinutes = (sign === '-' ? -1 : 1) * (offH * 60 + offM)
  }
  const wall = new Date(Date.UTC(2000, 0, 1, hours, minutes, seconds, millis))
  // Set the date apart: Date.UTC maps years 0–99 to 1900–1999.
  wall.setUTCFullYear(year, month - 1, day)
  return { date: new Date(wall.getTime() - offsetMinutes * 60_000), offsetMinutes }
}

export function isOffsetDateTime(text: string): boolean {
  return parseOffsetDateTime(text) !== null
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}
