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
  const second = Math.floor(instant.getTime() / 1000)
  const wall = new Date((second + offsetSecondsAt(second, zone)) * 1000)
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  }
}

/** Minutes east of UTC that `zone` is at `instant`. */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  return Math.round(offsetSecondsAt(Math.floor(instant.getTime() / 1000), zone) / 60)
}

/** Distinct seconds whose offset is remembered per zone; the memory is cleared when full. */
const OFFSET_CACHE_SECONDS = 4096

/**
 * Offsets already asked for, per zone and whole second: a zone's offset
 * changes only on a whole second, and a simulator under load stamps thousands
 * of readings within a few seconds (Intl's formatToParts was a fifth of the
 * load generator's CPU in bench:ingest).
 */
const offsetCache = new Map<string, Map<number, number>>()

/** Seconds east of UTC that `zone` is at the whole second `second` (Unix time). */
function offsetSecondsAt(second: number, zone: string): number {
  let cache = offsetCache.get(zone)
  if (!cache) {
    cache = new Map()
    offsetCache.set(zone, cache)
  }
  let offset = cache.get(second)
  if (offset === undefined) {
    const fields: Record<string, number> = {}
    for (const part of formatterFor(zone).formatToParts(new Date(second * 1000))) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value)
    }
    const asUtc = Date.UTC(fields['year'] ?? 1970, (fields['month'] ?? 1) - 1, fields['day'] ?? 1, fields['hour'] ?? 0, fields['minute'] ?? 0, fields['second'] ?? 0)
    offset = (asUtc - second * 1000) / 1000
    if (cache.size >= OFFSET_CACHE_SECONDS) cache.clear()
    cache.set(second, offset)
  }
  return offset
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
