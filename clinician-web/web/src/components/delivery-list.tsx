import type { Delivery } from '@varde/api-contract'
import type { ReactNode } from 'react'
import { Link } from 'react-router'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { DeliveryStatus, deliveryWhat } from './delivery-status'

/**
 * Deliveries newest first, each with what, to whom, its status and, for a
 * nurse's share, who shared it and the note. A list rather than a table, so
 * it reads on a phone without sideways scrolling. `showPatient` on the
 * administrator's page; `action` puts a button on a row (send again).
 */
export function DeliveryList({ deliveries, showPatient = false, action }: {
  deliveries: readonly Delivery[]
  showPatient?: boolean
  action?: (delivery: Delivery) => ReactNode
}) {
  const i18n = useI18n()
  const { t, locale } = i18n
  return (
    <ul className="delivery-list">
      {deliveries.map((d) => (
        <li key={d.id} className="delivery-list__item" data-testid={`delivery-${d.id}`}>
          <div className="delivery-list__main">
            <p className="delivery-list__what">
              <strong>{deliveryWhat(d, i18n)}</strong> · {t('deliveries.to', { name: d.recipient.name })}
              {showPatient && (
                <>
                  {' · '}
                  <Link to={paths.patient(d.patient.id)}>{d.patient.displayName}</Link>
                </>
              )}
            </p>
            <p className="delivery-list__meta">
              <time dateTime={d.createdAt}>{formatWeekdayDateTime(d.createdAt, locale)}</time>
              {d.share?.byName && <> · {t('deliveries.sharedBy', { name: d.share.byName })}</>}
            </p>
            {d.share?.note && <p className="delivery-list__note">{t('deliveries.note', { note: d.share.note })}</p>}
            {d.lastError && d.status !== 'delivered' && d.status !== 'cancelled' && (
              <p className="delivery-list__meta">{t('deliveries.lastError', { error: d.lastError })}</p>
            )}
            {d.requeued && (
              <p className="delivery-list__meta">
                {t('deliveries.requeued', { name: d.requeued.byName ?? '', time: formatWeekdayDateTime(d.requeued.at, locale) })}
              </p>
            )}
          </div>
          <div className="delivery-list__status">
            <DeliveryStatus delivery={d} />
            {action?.(d)}
          </div>
        </li>
      ))}
    </ul>
  )
}
