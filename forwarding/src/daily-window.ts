/**
 * The day a daily readings batch covers: the previous calendar day in
 * Norway (Europe/Oslo, so a GP gets "yesterday" as they count it, across the
 * summer-time change), as the half-open interval of instants [start, end).
 * Readings are chosen by when Varde received them, so a reading a gateway
 * held back for days is in exactly one batch.
 */
export function previousOsloDay(now: Date): { start: Date; end: Date } {
  const end = startOfOsloDay(now)
  const start = startOfOsloDay(new Date(end.getTime() - 12 * 3_600_000))
  return { start, end }
}

const dateParts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' })

export function startOfOsloDay(at: Date): Date {
  const [y, m, d] = dateParts.format(at).split('-').map(Number) as [number, number, number]
  // Oslo is UTC+1 or UTC+2: midnight there is 22:00 or 23:00 UTC the day before; take the one that is that date's midnight
  for (const offsetHours of [1, 2]) {
    const candidate = new Date(Date.UTC(y, m - 1, d, -offsetHours))
    if (dateParts.format(candidate) === dateParts.format(at) && dateParts.format(new Date(candidate.getTime() - 1)) !== dateParts.format(at)) return candidate
  }
  throw new Error('no Oslo midnight found') // unreachable for Europe/Oslo
}

const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', weekday: 'short' })

/**
 * The week a weekly summary covers: the previous Monday-to-Monday week in
 * Norway, as [start, end), stepped day by day so summer time changes are
 * Oslo's midnights, not 24-hour steps.
 */
export function previousOsloWeek(now: Date): { start: Date; end: Date } {
  let end = startOfOsloDay(now)
  while (weekday.format(end) !== 'Mon') end = previousOsloDay(end).start
  let start = end
  for (let i = 0; i < 7; i++) start = previousOsloDay(start).start
  return { start, end }
}
