import type { Delivery, DeliveryStatus } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { listDeliveries, requeueDelivery } from '../api/care-team'
import { queryKeys } from '../api/query-keys'
import { DeliveryList } from '../components/delivery-list'
import { QueryState } from '../components/query-state'
import { RecipientSettingsSection } from '../components/recipient-settings'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { usePageTitle } from './use-page-title'
import '../components/care-team.css'

const FILTERS = ['all', 'dead', 'pending'] as const
type Filter = (typeof FILTERS)[number]

/**
 * The tenant administrator's view of forwarding (issue 18): every delivery
 * with its status, the dead letters on their own, and a dead letter sent
 * again (the server logs who did). The content is never shown.
 */
export function DeliveriesPage() {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [filter, setFilter] = useState<Filter>('all')
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  usePageTitle(t('admin.deliveries.title'))
  const status: DeliveryStatus | null = filter === 'all' ? null : filter
  const deliveries = useQuery({
    queryKey: queryKeys.deliveries(filter),
    queryFn: ({ signal }) => listDeliveries(status, signal),
    refetchInterval: (q) => (q.state.data?.some((d) => d.status === 'pending') ? 2000 : false),
  })

  async function requeue(d: Delivery) {
    if (busy) return
    setBusy(d.id)
    setMessage(null)
    try {
      await requeueDelivery(d.id)
      setMessage({ kind: 'success', text: t('admin.deliveries.didRequeue') })
      await queryClient.invalidateQueries({ queryKey: ['deliveries'] })
    } catch (e) {
      setMessage({ kind: 'error', text: errorText(e, t) })
    } finally {
      setBusy(null)
    }
  }

  return (
    <div className="page page--deliveries">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('admin.deliveries.title')}</h1>
      </div>
      <p className="page__note">{t('admin.deliveries.intro')}</p>
      <fieldset className="segmented">
        <legend className="segmented__legend">{t('admin.deliveries.filter')}</legend>
        {FILTERS.map((f) => (
          <label key={f} className="segmented__option">
            <input type="radio" name={`${id}-filter`} value={f} checked={filter === f} onChange={() => setFilter(f)} />
            <span>{t(`admin.deliveries.filter.${f}`)}</span>
          </label>
        ))}
      </fieldset>
      {message && (
        <p className={`notice notice--${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>{message.text}</p>
      )}
      <QueryState query={deliveries} errorMessage={t('admin.deliveries.loadError')} />
      {deliveries.data && (deliveries.data.length === 0
        ? <p className="empty">{t('deliveries.none')}</p>
        : (
          <section className="care-team" aria-label={t('admin.deliveries.title')}>
            <DeliveryList deliveries={deliveries.data} showPatient action={(d) => d.status === 'dead' && (
              <button type="button" className="button" onClick={() => void requeue(d)} aria-disabled={busy === d.id || undefined}>
                {busy === d.id ? t('admin.deliveries.requeuing') : t('admin.deliveries.requeue')}
              </button>
            )} />
          </section>
        ))}
      <RecipientSettingsSection />
    </div>
  )
}
