/**
 * The shifts of Norwegian home care (hjemmesykepleie): dag 07–15, kveld
 * 15–23, natt 23–07, in the municipality's local time (Europe/Oslo, summer
 * time included). A night shift belongs to the date it starts on. Pure: the
 * caller gives the time (the platform clock, ADR 0014) and the zone.
 * docs/decisions/0034-shift-view-and-handover.md says why the shift view's
 * "since your last shift" is a shift window and not the user's last session.
 */
export const SHIFTS = ['day', 'evening', 'night'] as const
export type Shift = (typeof SHIFTS)[number]

/** Local start hour of each shift; each lasts until the next one starts. */
const START_HOUR: Record<Shift, number> = { day: 7, evening: 15, night: 23 }

export const SHIFT_TIME_ZONE = 'Europe/Oslo'

export interface ShiftWindow {
  shift: Shift
  /** The local date the shift starts on, `YYYY-MM-DD`. */
  date: string
  startsAt: Date
  endsAt: Date
}

interface LocalTime { date: string; hour: number }

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((p) => [p.type, p.value]))
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) }
}

/** The zone's offset from UTC at an instant, in ms (Oslo: +1 h in winter, +2 h in summer). */
function offsetAt(at: Date, timeZone: string): number {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((x) => [x.type, x.value]))
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
  return asUtc - Math.floor(at.getTime() / 1000) * 1000
}

/** The instant of a local wall-clock hour on a local date (the offset taken at that instant, so summer time is right). */
function instantOf(date: string, hour: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const wall = Date.UTC(y, m - 1, d, hour)
  const guess = wall - offsetAt(new Date(wall), timeZone)
  return new Date(wall - offsetAt(new Date(guess), timeZone))
}

const addDays = (date: string, days: number): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

/** The window of a given shift on a given date. */
export function shiftWindowOf(shift: Shift, date: string, timeZone = SHIFT_TIME_ZONE): ShiftWindow {
  const next: { shift: Shift; date: string } = shift === 'day' ? { shift: 'evening', date }
    : shift === 'evening' ? { shift: 'night', date } : { shift: 'day', date: addDays(date, 1) }
  return { shift, date, startsAt: instantOf(date, START_HOUR[shift], timeZone), endsAt: instantOf(next.date, START_HOUR[next.shift], timeZone) }
}

/** The shift in progress at an instant. */
export function shiftAt(at: Date, timeZone = SHIFT_TIME_ZONE): ShiftWindow {
  const { date, hour } = localTime(at, timeZone)
  if (hour < START_HOUR.day) return shiftWindowOf('night', addDays(date, -1), timeZone)
  if (hour < START_HOUR.evening) return shiftWindowOf('day', date, timeZone)
  if (hour < START_HOUR.night) return shiftWindowOf('evening', date, timeZone)
  return shiftWindowOf('night', date, timeZone)
}

/** The shift before the one given: the one that hands over to it. */
export function previousShift(w: ShiftWindow, timeZone = SHIFT_TIME_ZONE): ShiftWindow {
  return shiftAt(new Date(w.startsAt.getTime() - 1), timeZone)
}
