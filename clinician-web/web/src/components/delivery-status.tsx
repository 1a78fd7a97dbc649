import type { Delivery } from '@varde/api-contract'
import { formatDay, formatTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'

/** What became of one delivery, in words and a colour: waiting, retrying (when next), delivered, failed, stopped. */
export function DeliveryStatus({ delivery }: { delivery: Pick<Delivery, 'status' | 'attempts' | 'nextAttemptAt'> }) {
  const { t, locale } = useI18n()
  const isRetrying = delivery.status === 'pending' && delivery.attempts > 0 && delivery.nextAttemptAt
  const tone = { pending: 'pending', delivered: 'ok', dead: 'failed', cancelled: 'stopped' }[delivery.status]
  return (
    <span className={`delivery-status delivery-status--${tone}`} data-status={delivery.status}>
      {isRetrying
        ? t('deliveries.status.retrying', { time: formatTime(delivery.nextAttemptAt!, locale), attempts: String(delivery.attempts) })
        : t(`deliveries.status.${delivery.status}`)}
    </span>
  )
}

/** What was delivered: an alert, or the readings of a day. */
export function deliveryWhat(delivery: Delivery, { t, locale }: Pick<I18n, 't' | 'locale'>): string {
  return delivery.kind === 'alert'
    ? t('deliveries.kind.alert')
    : t('deliveries.kind.readings', { day: delivery.window ? formatDay(delivery.window.start, locale) : '' })
}
