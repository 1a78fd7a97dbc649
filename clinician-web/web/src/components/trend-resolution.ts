import type { I18n } from '../i18n/i18n'

/** A bucket's width in words: "5 min", "1 time", "2 døgn". */
export function formatResolution(i18n: I18n, seconds: number): string {
  if (seconds < 3600) return i18n.t('chart.widthMinutes', { count: Math.round(seconds / 60) })
  if (seconds < 86400) return i18n.tp('chart.widthHours', Math.round(seconds / 3600))
  return i18n.tp('chart.widthDays', Math.round(seconds / 86400))
}
