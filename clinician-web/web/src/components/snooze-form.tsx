import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { MAX_SNOOZE_HOURS } from '@varde/api-contract'
import { errorText } from '../i18n/error-text'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'

/** The snooze lengths offered, in hours (at most MAX_SNOOZE_HOURS). */
const SNOOZE_HOURS = [1, 2, 4, 8, 24] as const

/**
 * Snooze (utsett) an episode until a time, saying why (issue 20, ADR 0033).
 * The end is counted from the platform's time now (`now`), which may be
 * moved in demo and test mode, not from this computer's clock.
 */
export function SnoozeForm({
  now,
  snooze,
  onCancel,
}: {
  now: () => Date
  snooze: (until: Date, reason: string) => Promise<void>
  onCancel: () => void
}) {
  const { t, tp, locale } = useI18n()
  const [hours, setHours] = useState<number>(SNOOZE_HOURS[0])
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isSubmitting, setSubmitting] = useState(false)
  const firstOption = useRef<HTMLInputElement>(null)
  const reasonField = useRef<HTMLTextAreaElement>(null)
  const id = useId()

  useEffect(() => {
    firstOption.current?.focus()
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isSubmitting) return
    if (!reason.trim()) {
      setError(t('episodes.snoozeReasonNeeded'))
      reasonField.current?.focus()
      return
    }
    setSubmitting(true)
    setError(null)
    try {
      await snooze(new Date(now().getTime() + Math.min(hours, MAX_SNOOZE_HOURS) * 3_600_000), reason)
    } catch (e) {
      setSubmitting(false)
      setError(t('alerts.actionError', { message: errorText(e, t) }))
    }
  }

  return (
    <form className="resolve-form" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{t('episodes.snoozeLegend')}</legend>
        <div className="resolve-form__options">
          {SNOOZE_HOURS.map((h, i) => (
            <label key={h} className="choice">
              <input
                ref={i === 0 ? firstOption : undefined}
                type="radio"
                name={`${id}-hours`}
                value={h}
                checked={hours === h}
                onChange={() => setHours(h)}
              />
              <span>
                {tp('episodes.snoozeHours', h)}{' '}
                <span className="snooze-form__until">({formatWeekdayDateTime(new Date(now().getTime() + h * 3_600_000).toISOString(), locale)})</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('episodes.snoozeReason')}</label>
        <textarea
          id={`${id}-reason`}
          ref={reasonField}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={500}
          aria-invalid={error && !reason.trim() ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
      </div>
      {error && (
        <p id={`${id}-error`} className="notice notice--error" role="alert">
          {error}
        </p>
      )}
      <div className="resolve-form__actions">
        <button type="submit" className="button button--primary" aria-disabled={isSubmitting || undefined}>
          {t('episodes.confirmSnooze')}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>
          {t('alerts.cancel')}
        </button>
      </div>
    </form>
  )
}
