import { formatDay, formatMonth, formatMonthName, formatTime, osloMidnight } from '../i18n/format'

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

export interface ChartTicks {
  ticks: number[]
  format: (ms: number, locale: string) => string
}

/**
 * Ticks on Oslo's clock for any range: every 3 hours for a day, every day for
 * a week, every fifth day for a month, every second week for a quarter, every
 * month beyond. `maxTicks` thins them on a narrow screen.
 */
export function chartTicks(fromMs: number, toMs: number, maxTicks = 12): ChartTicks {
  const spanDays = (toMs - fromMs) / DAY_MS
  let ticks: number[]
  let format: ChartTicks['format'] = formatDay
  if (spanDays <= 2) {
    const step = spanDays <= 0.5 ? HOUR_MS : 3 * HOUR_MS
    ticks = []
    // from the Oslo midnight before the range, so ticks fall on whole Oslo hours (DST only shifts the count)
    for (let t = osloMidnight(fromMs); t <= toMs; t += step) if (t >= fromMs) ticks.push(t)
    format = formatTime
  } else if (spanDays <= 120) {
    const step = spanDays <= 8 ? 1 : spanDays <= 35 ? 5 : 14
    ticks = []
    let day = osloMidnight(toMs)
    while (day >= fromMs) {
      ticks.unshift(day)
      // a DST change moves midnight by an hour; re-anchor on each step
      day = osloMidnight(day - (step - 1) * DAY_MS - DAY_MS / 2)
    }
  } else {
    ticks = monthStarts(fromMs, toMs)
  }
  if (ticks.length > maxTicks) {
    const every = Math.ceil(ticks.length / maxTicks)
    ticks = ticks.filter((_, i) => (ticks.length - 1 - i) % every === 0)
  }
  if (spanDays > 120) {
    // the year on the first tick and on each January only: "jan. 2026" is too wide for every month of a phone's chart
    const first = ticks[0]
    format = (ms, locale) =>
      ms === first || isJanuary(ms) ? formatMonth(ms, locale) : formatMonthName(ms, locale)
  }
  return { ticks, format }
}

const isJanuary = (ms: number) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', month: 'numeric' }).format(ms) === '1'

/** The first of each month (Oslo midnight) within the range. */
function monthStarts(fromMs: number, toMs: number): number[] {
  const result: number[] = []
  // a month's 1st is found as the Oslo midnight at or before noon UTC of that day
  const start = new Date(fromMs)
  let year = start.getUTCFullYear()
  let month = start.getUTCMonth()
  for (;;) {
    const first = osloMidnight(Date.UTC(year, month, 1, 12))
    if (first > toMs) break
    if (first >= fromMs) result.push(first)
    month += 1
    if (month === 12) {
      month = 0
      year += 1
    }
  }
  return result
}
