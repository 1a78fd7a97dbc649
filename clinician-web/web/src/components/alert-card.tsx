import { useEffect, useId, useRef, useState } from 'react'
import { acknowledgeAlert } from '../api/alerts'
import { isApiError } from '../api/http'
import type { Alert } from '@varde/api-contract'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { Link } from 'react-router'
import { paths } from '../routes'
import { RelativeTime } from './relative-time'
import { ResolveForm } from './resolve-form'
import { ShareWithGp } from './share-with-gp'
import { ThresholdList } from './threshold-list'
import { formatVital, vitalLabel } from './vital-groups'
import { errorText } from '../i18n/error-text'

export interface AlertCardProps {
  alert: Alert
  /** The server answered with the changed alert. */
  onChanged: (alert: Alert, action: 'acknowledged' | 'resolved') => void
  /** The server refused because the alert changed meanwhile (409): someone else acted on it. */
  onConflict?: () => void
  /** Put focus on this card's next action (after it moved between lists). */
  shouldFocus?: boolean
  /** Offer "Del med fastlege" (the municipality's staff; not the outside GP). */
  canShare?: boolean
}

/** One alert with its explanation (the readings and thresholds behind it) and what a nurse can do. */
export function AlertCard({ alert, onChanged, onConflict, shouldFocus = false, canShare = false }: AlertCardProps) {
  const { t, tp, tx, locale, language } = useI18n()
  const [isAcknowledging, setAcknowledging] = useState(false)
  const [isResolveOpen, setResolveOpen] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const headingId = useId()
  const resolveButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (shouldFocus) resolveButton.current?.focus()
  }, [shouldFocus])

  async function acknowledge() {
    if (isAcknowledging) return
    setAcknowledging(true)
    setError(null)
    try {
      onChanged(await acknowledgeAlert(alert.id), 'acknowledged')
    } catch (e) {
      setAcknowledging(false)
      if (isApiError(e) && e.status === 409 && onConflict) onConflict()
      else setError(t('alerts.actionError', { message: errorText(e, t) }))
    }
  }

  return (
    <article
      className={`alert-card alert-card--${alert.severity}`}
      aria-labelledby={headingId}
      data-testid={`alert-${alert.id}`}
    >
      <header className="alert-card__header">
        <p className={`severity severity--${alert.severity}`}>
          <svg
            className="severity__icon"
            viewBox="0 0 16 16"
            width="16"
            height="16"
            aria-hidden="true"
            focusable="false"
          >
            {alert.severity === 'red' ? (
              <path d="M8 1.5 15 14.5H1Z" />
            ) : (
              <path d="M8 1 15 8 8 15 1 8Z" />
            )}
          </svg>
          {t(`alerts.severity.${alert.severity}`)}
        </p>
        <h3 id={headingId} className="alert-card__patient">
          <Link to={paths.patient(alert.patientId)}>{alert.patientName}</Link>
        </h3>
        <p className="alert-card__when">
          {tx('alerts.openedAt', { time: <RelativeTime value={alert.openedAt} /> })}
          {alert.count > 1 && <> · {tp('alerts.repeated', alert.count)}</>}
        </p>
      </header>

      <p className="alert-card__summary">{alert.summaries?.[language] ?? alert.summary}</p>
      {alert.escalatedAt && (
        <p className="alert-card__followup">
          {t('alerts.escalated', { time: formatWeekdayDateTime(alert.escalatedAt, locale) })}
        </p>
      )}
      {alert.isConditionActive === false && (
        <p className="alert-card__followup">{t('alerts.conditionOver')}</p>
      )}

      <div className="alert-card__explanation">
        <h4 className="alert-card__explanation-title">{t('alerts.explanation')}</h4>
        <div className="alert-card__explanation-body">
          {alert.readings.length > 0 && (
            <div>
              <h5>{t('alerts.readings')}</h5>
              <ul className="alert-card__readings">
                {alert.readings.map((r, i) => (
                  <li key={`${r.type}-${r.measuredAt}-${i}`}>
                    <span>{vitalLabel(r.type, language)}</span>{' '}
                    <strong>{formatVital(r.type, r.value, r.unit, locale)}</strong>{' '}
                    <time dateTime={r.measuredAt} className="alert-card__reading-time">
                      {formatWeekdayDateTime(r.measuredAt, locale)}
                    </time>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div>
            <h5>{t('alerts.thresholds')}</h5>
            <ThresholdList thresholds={alert.thresholds} readings={alert.readings} />
            <p className="alert-card__rule">
              {t('alerts.rule')}: <code>{alert.rule}</code>
            </p>
            {alert.source && (
              <p className="alert-card__rule">
                {t('alerts.source')}: {alert.source}
              </p>
            )}
          </div>
        </div>
      </div>

      {(alert.acknowledgedBy || alert.assignedTo) && (
        <p className="alert-card__followup">
          {alert.acknowledgedBy &&
            t('alerts.acknowledgedBy', {
              name: alert.acknowledgedBy,
              time: alert.acknowledgedAt ? formatWeekdayDateTime(alert.acknowledgedAt, locale) : '',
            })}
          {alert.acknowledgedBy && alert.assignedTo && ' · '}
          {alert.assignedTo && t('alerts.assignedTo', { name: alert.assignedTo })}
        </p>
      )}

      <div className="alert-card__actions">
        {alert.status === 'open' && (
          <button
            type="button"
            className="button button--primary"
            onClick={() => void acknowledge()}
            aria-describedby={headingId}
            aria-disabled={isAcknowledging || undefined}
          >
            {isAcknowledging ? t('alerts.acknowledging') : t('alerts.acknowledge')}
          </button>
        )}
        <button
          ref={resolveButton}
          type="button"
          className="button"
          aria-expanded={isResolveOpen}
          aria-describedby={headingId}
          onClick={() => setResolveOpen(!isResolveOpen)}
        >
          {t('alerts.resolve')}
        </button>
      </div>
      {canShare && <ShareWithGp alertId={alert.id} patientId={alert.patientId} describedBy={headingId} />}
      {error && (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      )}
      {isResolveOpen && (
        <ResolveForm
          alert={alert}
          onResolved={(resolved) => onChanged(resolved, 'resolved')}
          {...(onConflict ? { onConflict } : {})}
          onCancel={() => {
            setResolveOpen(false)
            resolveButton.current?.focus()
          }}
        />
      )}
    </article>
  )
}
