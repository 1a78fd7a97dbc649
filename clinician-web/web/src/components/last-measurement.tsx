import { useI18n } from '../i18n/i18n'
import { RelativeTime } from './relative-time'

/** "Siste måling: for 5 min siden", or that there is none yet; the label styled apart where a card wants it. */
export function LastMeasurement({
  at,
  className,
  labelClassName,
}: {
  at: string | null
  className: string
  labelClassName?: string
}) {
  const { t } = useI18n()
  const label = t('patients.lastMeasurement')
  return (
    <p className={className}>
      {labelClassName ? <span className={labelClassName}>{label}: </span> : <>{label}: </>}
      {at ? <RelativeTime value={at} /> : t('patients.noMeasurements')}
    </p>
  )
}
