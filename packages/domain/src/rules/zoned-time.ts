/**
 * Wall-clock time in a named IANA time zone, with nothing but the Intl API
 * (no time-zone library). Schedules such as "weight every morning by 10:00
 * Europe/Oslo" are wall-clock times: 10:00 is 09:00Z in winter and 08:00Z in
 * summer, and the day of the change (last Sunday of March and of October in
 * Europe/Oslo) has 23 or 25 hours.
 */

export interface LocalDate {
  year: number
  /** 1–12 */
  month: number
  /** 1–31 */
  day: number
}

export interface LocalTime {
  /** 0–23 */
  hour: number
  /** 0–59 */
  minute: number
}

export interface LocalDateTime extends LocalDate, LocalTime {
  second: number
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    // Throws RangeError for an unknown zone; `isTimeZone` is the polite check.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // h23, not hour12:false: some ICU versions print midnight as "24" with the latter.
      hourCycle: 'h23',
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** True when the runtime knows `timeZone` as an IANA zone (e.g. `Europe/Oslo`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}

/** The wall-clock date and time at `instant` in `timeZone`. */
export function toLocalDateTime(instant: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value)
  }
  const date = { year: fields.year ?? 0, month: fields.month ?? 0, day: fields.day ?? 0 }
  return {
    ...date,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    weekday: isoWeekday(date),
  }
}

/** The wall-clock date at `instant` in `timeZone`. */
export function toLocalDate(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = toLocalDateTime(instant, timeZone)
  return { year, month, day }
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const sundayZero = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()
  return sundayZero === 0 ? 7 : sundayZero
}

/** The calendar date `days` days after `date` (negative: before). */
export function addLocalDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days))
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  }
}

/** Whole calendar days from `from` to `to` (positive when `to` is later). */
export function localDaysBetween(from: LocalDate, to: LocalDate): number {
  const ms = Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)
  return Math.round(ms / 86_400_000)
}

/** `YYYY-MM-DD`, for keys and messages. */
export function formatLocalDate(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`
}

/** Offset of `timeZone` from UTC at `instant`, in ms (Europe/Oslo: +3 600 000 in winter). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const local = toLocalDateTime(instant, timeZone)
  const wallAsUtc = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  )
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000
  return wallAsUtc - wholeSeconds
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time`.
 * A time that does not exist (skipped by a spring-forward change) is moved
 * forward by the gap, and a time that happens twice (autumn change) is its
 * first occurrence: the "compatible" choice of Temporal and of RFC 5545.
 */
export function fromLocalDateTime(date: LocalDate, time: LocalTime, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute)
  // remembered: a list of 500 patients asks for the same few plan times of the same 30 days
  // thousands of times, and each answer costs four Intl formatToParts (~2.5 s for the list)
  const key = `${timeZone}|${date.year}-${date.month}-${date.day}|${time.hour}:${time.minute}`
  const known = instants.get(key)
  if (known !== undefined) return new Date(known)
  const instant = computeFromLocal(date, time, timeZone, wall)
  if (instants.size >= INSTANTS_KEPT) instants.clear()
  instants.set(key, instant)
  return new Date(instant)
}

/** Wall-clock times already turned into instants (pure: the zone rules of the runtime do not change under it); bounded. */
const instants = new Map<string, number>()
const INSTANTS_KEPT = 20_000

function computeFromLocal(date: LocalDate, time: LocalTime, timeZone: string, wall: number): number {
  // Offsets lie within ±14 h, so a day either side of `wall` read as UTC is
  // surely before and after the instant wanted; a zone changes offset at most
  // once in such a span, so those two offsets are the only candidates.
  const offsetBefore = zoneOffsetMs(new Date(wall - 24 * 3_600_000), timeZone)
  const offsetAfter = zoneOffsetMs(new Date(wall + 24 * 3_600_000), timeZone)
  const candidates = [wall - offsetBefore, wall - offsetAfter]
    .filter((ms) => showsWallClock(new Date(ms), date, time, timeZone))
    .sort((a, b) => a - b)
  return candidates[0] ?? wall - offsetBefore
}

function showsWallClock(
  instant: Date,
  date: LocalDate,
  time: LocalTime,
  timeZone: string,
): boolean {
  const local = toLocalDateTime(instant, timeZone)
  return (
    local.year === date.year &&
    local.month === date.month &&
    local.day === date.day &&
    local.hour === time.hour &&
    local.minute === time.minute
  )
}

/** Parses `HH:MM` (24-hour clock); null when it is not one. */
export function parseLocalTime(text: string): LocalTime | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text)
  if (!m) return null
  return { hour: Number(m[1]), minute: Number(m[2]) }
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}
