import type { Patient } from '@varde/api-contract'
import './service-course.css'
import { formatPercent } from '../i18n/format'
import { useI18n } from '../i18n/i18n'

/** Adherence (done ÷ planned, last 7 and 30 days) as one line; nothing when nothing was planned. */
export function AdherenceText({ adherence, className }: { adherence: Patient['adherence']; className?: string }) {
  const { t, locale } = useI18n()
  if (!adherence || (adherence.days7.planned === 0 && adherence.days30.planned === 0)) return null
  const part = (a: { done: number; planned: number }) =>
    a.planned === 0 ? '–' : t('adherence.part', { done: a.done, planned: a.planned, percent: formatPercent((100 * a.done) / a.planned, locale) })
  return (
    <p className={className} data-testid="adherence">
      {t('adherence.text', { week: part(adherence.days7), month: part(adherence.days30) })}
    </p>
  )
}
