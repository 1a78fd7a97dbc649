/**
 * Wall-clock time in a named zone (the homes are in Norway: Europe/Oslo, with
 * summer time). Schedules say "07:30" in local time; the protocol wants
 * instants with an explicit offset (device-protocol.md "Measurement batch").
 */
export const DEFAULT_TIME_ZONE = 'Europe/Oslo'

export interface LocalDateTime {
  year: number
  /** 1–12. */
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

/** True when `zone` is an IANA zone name this Node knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatterFor(zone)
    return true
  } catch {
    return false
  }
}

/** The wall-clock fields of `instant` in `zone`. */
export function toLocal(instant: Date, zone: string): LocalDateTime {
  const fields: Record<string, number> = {}
  for (const part of formatterFor(zone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value)
  }
  return {
    year: fields['year'] ?? 0,
    month: fields['month'] ?? 1,
    day: fields['day'] ?? 1,
    hour: fields['hour'] ?? 0,
    minute: fields['minute'] ?? 0,
    second: fields['second'] ?? 0,
  }
}

/** Minutes east of UTC that `zone` is at `instant`. */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const local = toLocal(instant, zone)
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000
  return Math.round((asUtc - wholeSeconds) / 60_000)
}

/**
 * The instant at which the wall clock in `zone` shows `local`. A time in the
 * spring-forward gap lands an hour later; one in the autumn overlap takes
 * its first (summer-time) occurrence.
 */
export function fromLocal(local: LocalDateTime, zone: string): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
  // The zone's offsets half a day either side; at most one change lies between.
  const before = zoneOffsetMinutes(new Date(asUtc - 43_200_000), zone)
  const after = zoneOffsetMinutes(new Date(asUtc + 43_200_000), zone)
  const candidates = [...new Set([before, after])].map((offset) => asUtc - offset * 60_000).sort((a, b) => a - b)
  const shows = (instant: number): boolean => {
    const l = toLocal(new Date(instant), zone)
    return l.year === local.year && l.month === local.month && l.day === local.day && l.hour === local.hour && l.minute === local.minute
  }
  return new Date(candidates.find(shows) ?? asUtc - before * 60_000)
}

/** `2026-11-22T08:31:05+01:00`: the instant as the zone's wall clock with its offset. */
export function formatOffsetDateTime(instant: Date, zone: string): string {
  const offset = zoneOffsetMinutes(instant, zone)
  const wall = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19)
  if (offset === 0) return `${wall}Z`
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${wall}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
}

/** The local calendar date of `instant` in `zone`, shifted by `days` (calendar days, not 24 h). */
export function localDate(instant: Date, zone: string, days = 0): { year: number; month: number; day: number } {
  const local = toLocal(instant, zone)
  const shifted = new Date(Date.UTC(local.year, local.month - 1, local.day + days))
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() }
}

/** ISO weekday of a calendar date: 1 Monday … 7 Sunday. */
export function isoWeekday(date: { year: number; month: number; day: number }): number {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()
  return d === 0 ? 7 : d
}

/** `2026-11-22`. */
export function formatLocalDate(date: { year: number; month: number; day: number }): string {
  return `${date.year}-${pad2(date.month)}-${pad2(date.day)}`
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}
