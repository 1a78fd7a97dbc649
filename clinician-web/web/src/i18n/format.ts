/**
 * Dates and numbers for people: always Europe/Oslo, in the chosen locale,
 * through Intl (no date library). Formatters are cached per locale.
 */

export const TIME_ZONE = 'Europe/Oslo'

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>()

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = cache.get(key)
  if (!f) {
    f = make()
    cache.set(key, f)
  }
  return f as T
}

function dateFormat(
  locale: string,
  name: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  return cached(
    `d:${locale}:${name}`,
    () => new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, ...options }),
  )
}

const toDate = (value: string | number | Date) => (value instanceof Date ? value : new Date(value))

/** "23. nov. 2026, 16:01" / "23 Nov 2026, 16:01" */
export function formatDateTime(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'datetime', { dateStyle: 'medium', timeStyle: 'short' }).format(
    toDate(value),
  )
}

/** "man. 23. nov., 16:01" / "Mon 23 Nov, 16:01": table rows within the last 90 days. */
export function formatWeekdayDateTime(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'weekday-datetime', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(toDate(value))
}

/** "23. nov." / "23 Nov": chart ticks. */
export function formatDay(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'day', { day: 'numeric', month: 'short' }).format(toDate(value))
}

/** "jan. 2026" / "Jan 2026": a year's chart ticks. */
export function formatMonth(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'month', { month: 'short', year: 'numeric' }).format(toDate(value))
}

/** "feb." / "Feb": a year's ticks after the first and January, which carry the year. */
export function formatMonthName(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'month-name', { month: 'short' }).format(toDate(value))
}

/** "16:01" */
export function formatTime(value: string | number | Date, locale: string): string {
  return dateFormat(locale, 'time', { hour: '2-digit', minute: '2-digit' }).format(toDate(value))
}

/**
 * "for 5 min siden" / "5 min ago" under an hour, "for 2 timer siden" under a
 * day, then the date and time itself: older than a day, a nurse wants the date.
 */
export function formatRelative(
  value: string | number | Date,
  nowMs: number,
  locale: string,
  justNow: string,
): string {
  const ms = toDate(value).getTime()
  const seconds = Math.round((nowMs - ms) / 1000)
  if (seconds < 45) return justNow
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) {
    return cached(
      `r:${locale}:short`,
      () => new Intl.RelativeTimeFormat(locale, { style: 'short', numeric: 'always' }),
    ).format(-Math.max(1, minutes), 'minute')
  }
  const hours = Math.floor(minutes / 60)
  if (hours < 24) {
    return cached(
      `r:${locale}:long`,
      () => new Intl.RelativeTimeFormat(locale, { style: 'long', numeric: 'always' }),
    ).format(-hours, 'hour')
  }
  return formatWeekdayDateTime(ms, locale)
}

export function formatNumber(value: number, locale: string, fractionDigits = 0): string {
  return cached(
    `n:${locale}:${fractionDigits}`,
    () =>
      new Intl.NumberFormat(locale, {
        minimumFractionDigits: fractionDigits,
        maximumFractionDigits: fractionDigits,
      }),
  ).format(value)
}

/** 85 → "85 %" (nb) / "85%" (en). */
export function formatPercent(value: number, locale: string): string {
  return cached(
    `p:${locale}`,
    () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }),
  ).format(value / 100)
}

/** Midnight in Oslo at or before `ms` (for chart ticks on day boundaries). */
export function osloMidnight(ms: number): number {
  const parts = dateFormat('en-GB', 'clock', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const msIntoDay =
    ((get('hour') % 24) * 3600 + get('minute') * 60 + get('second')) * 1000 + (ms % 1000)
  return ms - msIntoDay
}
