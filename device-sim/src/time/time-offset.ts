import { parseDuration } from './duration.js'
import { fromLocal, localDate, toLocal } from './zoned-time.js'

/**
 * A time in a scenario, relative to the run's start: `now`, `-2h`,
 * `-3d+07:30` (three calendar days back, at 07:30 local time), `-1d-2h30m`,
 * `07:30` (today at 07:30). Durations come first, an optional wall-clock time
 * `HH:MM` last; whole days (`d`) move by calendar days in the local zone, so
 * `-1d+07:30` is yesterday's 07:30 even across a summer-time change.
 */
export interface TimeOffset {
  text: string
  /** Whole calendar days to move. */
  days: number
  /** Milliseconds to move besides the days. */
  ms: number
  /** Local wall-clock time to set on the resulting day, if given. */
  clock: { hour: number; minute: number } | null
}

const CLOCK = /(?:^|[+@])(\d{1,2}):(\d{2})$/
const DAYS = /^([+-]?)(\d+)d/

export function parseTimeOffset(input: string | number): TimeOffset | null {
  const text = String(input).trim()
  if (text === 'now' || text === '0') return { text, days: 0, ms: 0, clock: null }
  let rest = text
  let clock: TimeOffset['clock'] = null
  const clockMatch = CLOCK.exec(rest)
  if (clockMatch) {
    const hour = Number(clockMatch[1])
    const minute = Number(clockMatch[2])
    if (hour > 23 || minute > 59) return null
    clock = { hour, minute }
    rest = rest.slice(0, clockMatch.index)
  }
  let days = 0
  let sign = 1
  const daysMatch = DAYS.exec(rest)
  if (daysMatch) {
    sign = daysMatch[1] === '-' ? -1 : 1
    days = sign * Number(daysMatch[2])
    rest = rest.slice(daysMatch[0].length)
  }
  let ms = 0
  if (rest !== '') {
    // A continuation like `-1d2h` takes the days' sign.
    const withSign = /^[+-]/.test(rest) || !daysMatch ? rest : `${sign < 0 ? '-' : '+'}${rest}`
    const parsed = parseDuration(withSign)
    if (parsed === null || /^[+-]?\d+(?:\.\d+)?$/.test(rest)) return null
    ms = parsed
  }
  if (!clockMatch && !daysMatch && rest === '') return null
  return { text, days, ms, clock }
}

/** The instant an offset names, for a run that started at `start`, in `zone`. */
export function resolveTimeOffset(offset: TimeOffset, start: Date, zone: string): Date {
  let instant = start
  if (offset.days !== 0) {
    // Same wall-clock time as `start`, on the shifted calendar day.
    const { hour, minute, second } = toLocal(start, zone)
    instant = fromLocal({ ...localDate(start, zone, offset.days), hour, minute, second }, zone)
    instant = new Date(instant.getTime() + (start.getTime() % 1000))
  }
  instant = new Date(instant.getTime() + offset.ms)
  if (!offset.clock) return instant
  return fromLocal({ ...localDate(instant, zone), hour: offset.clock.hour, minute: offset.clock.minute, second: 0 }, zone)
}
