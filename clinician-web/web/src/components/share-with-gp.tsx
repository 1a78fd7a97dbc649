import type { Delivery } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useRef, useState, type FormEvent } from 'react'
import { getCareTeam, shareAlert } from '../api/care-team'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { DeliveryStatus } from './delivery-status'

/** How often a share's status is looked at again while it is on its way. */
const FOLLOW_MS = 1000

/**
 * "Del med fastlege" on an alert (issue 18): forward it to the patient's GP
 * now, with a note, through the forwarding outbox (so an objection or an
 * ended relationship refuses it, with the reason said). Its status follows
 * until it is settled: pending, retrying, delivered, failed.
 */
export function ShareWithGp({ alertId, patientId, describedBy }: { alertId: string; patientId: string; describedBy?: string }) {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [isOpen, setOpen] = useState(false)
  const [note, setNote] = useState('')
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [shared, setShared] = useState<Delivery | null>(null)
  const button = useRef<HTMLButtonElement>(null)

  // the care team's deliveries carry this one's status: looked at again until it is settled
  const team = useQuery({
    queryKey: queryKeys.careTeam(patientId),
    queryFn: ({ signal }) => getCareTeam(patientId, signal),
    enabled: shared !== null,
    refetchInterval: (q) => (q.state.data?.deliveries.find((d) => d.id === shared?.id)?.status ?? 'pending') === 'pending' ? FOLLOW_MS : false,
  })
  const current = (shared && team.data?.deliveries.find((d) => d.id === shared.id)) || shared

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      const delivery = await shareAlert(alertId, note.trim())
      setShared(delivery)
      setOpen(false)
      setNote('')
      void queryClient.invalidateQueries({ queryKey: queryKeys.careTeam(patientId) })
    } catch (e) {
      setError(errorText(e, t))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="share-gp" data-testid={`share-${alertId}`}>
      {!isOpen && (
        <button ref={button} type="button" className="button" aria-expanded={false} aria-describedby={describedBy} onClick={() => setOpen(true)}>
          {t('share.button')}
        </button>
      )}
      {isOpen && (
        <form className="team-form" onSubmit={(e) => void submit(e)} noValidate aria-label={t('share.button')}>
          <div className="field">
            <label htmlFor={`${id}-note`}>{t('share.note')}</label>
            <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={1000} />
          </div>
          <div className="team-form__actions">
            <button type="submit" className="button button--primary" aria-disabled={isBusy || undefined}>
              {isBusy ? t('share.sending') : t('share.submit')}
            </button>
            <button type="button" className="button button--quiet" onClick={() => { setOpen(false); setError(null) }}>{t('share.cancel')}</button>
          </div>
        </form>
      )}
      {error && <p className="notice notice--error" role="alert">{error}</p>}
      {current && (
        <p className="share-gp__status" role="status">
          {t('share.done', { name: current.recipient.name })} <DeliveryStatus delivery={current} />
        </p>
      )}
    </div>
  )
}
