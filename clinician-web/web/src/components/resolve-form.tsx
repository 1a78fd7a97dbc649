import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { isApiError } from '../api/http'
import { ALERT_OUTCOMES, type ResolveOutcome } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'
import { errorText } from '../i18n/error-text'

/**
 * Closing an alert (or a whole episode) says what was done, for the record
 * and for follow-up statistics. `resolve` sends it and hands the answer on.
 */
export function ResolveForm({
  resolve,
  onCancel,
  onConflict,
  confirmLabel,
}: {
  resolve: (outcome: ResolveOutcome, note: string) => Promise<void>
  onCancel: () => void
  /** The submit button's text; "Avslutt varselet" unless said. */
  confirmLabel?: string
  /** The server refused because the alert changed meanwhile (409): someone else resolved it. */
  onConflict?: () => void
}) {
  const { t } = useI18n()
  const [outcome, setOutcome] = useState<ResolveOutcome | null>(null)
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isSubmitting, setSubmitting] = useState(false)
  const firstOption = useRef<HTMLInputElement>(null)
  const id = useId()

  useEffect(() => {
    firstOption.current?.focus()
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isSubmitting) return
    if (!outcome) {
      setError(t('alerts.chooseOutcome'))
      firstOption.current?.focus()
      return
    }
    setSubmitting(true)
    setError(null)
    try {
      await resolve(outcome, note)
    } catch (e) {
      setSubmitting(false)
      if (isApiError(e) && e.status === 409 && onConflict) onConflict()
      else setError(t('alerts.actionError', { message: errorText(e, t) }))
    }
  }

  return (
    <form className="resolve-form" onSubmit={submit} noValidate>
      <fieldset aria-describedby={error ? `${id}-error` : undefined}>
        <legend>{t('alerts.resolveLegend')}</legend>
        <div className="resolve-form__options">
          {ALERT_OUTCOMES.map((o, i) => (
            <label key={o} className="choice">
              <input
                ref={i === 0 ? firstOption : undefined}
                type="radio"
                name={`${id}-outcome`}
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
                aria-invalid={error && !outcome ? true : undefined}
              />
              <span>{t(`alerts.outcome.${o}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-note`}>{t('alerts.note')}</label>
        <textarea
          id={`${id}-note`}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          rows={3}
          maxLength={2000}
        />
      </div>
      {error && (
        <p id={`${id}-error`} className="notice notice--error" role="alert">
          {error}
        </p>
      )}
      <div className="resolve-form__actions">
        <button
          type="submit"
          className="button button--primary"
          aria-disabled={isSubmitting || undefined}
        >
          {isSubmitting ? t('alerts.resolving') : confirmLabel ?? t('alerts.confirmResolve')}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>
          {t('alerts.cancel')}
        </button>
      </div>
    </form>
  )
}
