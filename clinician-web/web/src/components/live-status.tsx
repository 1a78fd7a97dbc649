import { useLiveStatus } from '../api/live-events-context'
import { useI18n } from '../i18n/i18n'

/** Whether pages are updating by themselves: a nurse must know when the screen may be stale. */
export function LiveStatus() {
  const { t } = useI18n()
  const status = useLiveStatus()
  if (!status) return null
  return (
    <p className={`live-status live-status--${status}`} role="status" title={t('live.label')}>
      <span className="live-status__dot" aria-hidden="true" />
      <span className="visually-hidden">{t('live.label')}: </span>
      {t(`live.${status}`)}
    </p>
  )
}
