import { useI18n } from '../i18n/i18n'
import { formatDateTime, formatRelative } from '../i18n/format'
import { useNow } from './use-now'

/** "for 5 min siden", with the exact Oslo time as the tooltip and in `dateTime`. */
export function RelativeTime({ value, className }: { value: string; className?: string }) {
  const { locale, t } = useI18n()
  const now = useNow()
  return (
    <time dateTime={value} title={formatDateTime(value, locale)} className={className}>
      {formatRelative(value, now, locale, t('time.justNow'))}
    </time>
  )
}
