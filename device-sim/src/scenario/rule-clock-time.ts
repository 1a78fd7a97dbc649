import { formatLocalDate, fromLocal, localDate, toLocal } from '../time/zoned-time.js'

const MINUTE_MS = 60_000

/**
 * A rule parameter written `{ in: 10s }` in a scenario: the wall-clock time
 * (`HH:MM` in the home's zone) of the first whole minute at least that long
 * after the step runs. Lets a scenario compress a daily schedule ("glucose by
 * 10:00") into the next few minutes, so a missed measurement shows up while
 * one watches instead of tomorrow.
 */
export class RuleClockTime {
  constructor(readonly inMs: number) {}
}

/**
 * The instants of the clock times of one step, taken at `now`: each rounded up
 * to its whole minute. When they would straddle midnight (`23:59` before
 * `00:00`), all move to the next day, keeping their order and spacing, since
 * a schedule's times are read within one day.
 */
export function resolveClockTimes(times: readonly RuleClockTime[], now: Date, timeZone: string): Date[] {
  const instants = times.map((t) => new Date(Math.ceil((now.getTime() + t.inMs) / MINUTE_MS) * MINUTE_MS))
  if (instants.length === 0) return []
  const earliest = Math.min(...instants.map((d) => d.getTime()))
  const latest = Math.max(...instants.map((d) => d.getTime()))
  const lastDay = formatLocalDate(localDate(new Date(latest), timeZone, 0))
  if (formatLocalDate(localDate(new Date(earliest), timeZone, 0)) === lastDay) return instants
  const midnight = fromLocal({ ...localDate(new Date(latest), timeZone, 0), hour: 0, minute: 0, second: 0 }, timeZone).getTime()
  return instants.map((d) => new Date(d.getTime() + (midnight - earliest)))
}

/** `HH:MM` of an instant in the zone. */
export function formatClockTime(at: Date, timeZone: string): string {
  const local = toLocal(at, timeZone)
  return `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`
}
