import type { Episode, EpisodeValue } from '@varde/api-contract'
import { forwardRef, useId, useRef, useState } from 'react'
import { Link } from 'react-router'
import { isApiError } from '../api/http'
import { errorText } from '../i18n/error-text'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { AlertExplanation } from './alert-explanation'
import { RelativeTime } from './relative-time'
import { ResolveForm } from './resolve-form'
import { ShareWithGp } from './share-with-gp'
import { SnoozeForm } from './snooze-form'
import { formatVital, vitalLabel } from './vital-groups'
import './episode-card.css'
import type { VitalType } from '@varde/domain'

/**
 * "Worst" is the most severe colour's latest finding the alerts kept (ADR
 * 0027: an alert keeps its opening and latest finding, not the extreme one
 * between), so it is shown only when it is a finding of its own: beside a
 * latest of the same colour it would say nothing true about the extreme.
 */
const isSameFinding = (a: EpisodeValue, b: EpisodeValue | null) => b !== null && a.at === b.at && a.value === b.value

export type EpisodeAction = 'acknowledge' | 'assign' | 'resolve' | 'snooze' | 'unsnooze'

export interface EpisodeCardProps {
  episode: Episode
  /** The one action on the whole episode; resolves when the server answered (the page updates the inbox). */
  act: (action: EpisodeAction, input?: { outcome?: string; note?: string; until?: Date; reason?: string }) => Promise<void>
  /** The platform's time now (snooze ends are counted from it). */
  now: () => Date
  /** The session user, for "Ta ansvar" (make me responsible). */
  userId: string
  isSelected: boolean
  isOpen: boolean
  onToggleOpen: () => void
  onSelect: () => void
  /** Offer "Del med fastlege" (the municipality's staff; not the outside GP). */
  canShare?: boolean
}

/**
 * One episode (issue 20): a patient's alerts about one vital or rule as one
 * card, with its course (first, worst, latest value; readings out of range),
 * one acknowledge / responsibility / snooze / resolve for the whole, and,
 * opened, the rules and values that made it. Focusable as a whole, so the
 * inbox's keys can move between cards (alerts-page.tsx).
 */
export const EpisodeCard = forwardRef<HTMLElement, EpisodeCardProps>(function EpisodeCard(
  { episode: e, act, now, userId, isSelected, isOpen, onToggleOpen, onSelect, canShare = false },
  ref,
) {
  const { t, tp, tx, locale, language } = useI18n()
  const [form, setForm] = useState<'resolve' | 'snooze' | null>(null)
  const [busy, setBusy] = useState<EpisodeAction | null>(null)
  const [error, setError] = useState<string | null>(null)
  const headingId = useId()
  const detailsId = useId()
  const formButton = useRef<HTMLButtonElement>(null)
  const latestAlert = e.alerts[e.alerts.length - 1]
  const assignee = e.alerts.find((a) => a.assignedTo)?.assignedTo ?? null
  const isMine = e.alerts.some((a) => a.assignedToUserId === userId)
  const acknowledged = e.alerts.find((a) => a.acknowledgedBy)
  const topic = e.vital ? vitalLabel(e.vital as VitalType, language) : (latestAlert?.summaries?.[language] ?? latestAlert?.summary ?? e.topic)

  async function run(action: EpisodeAction, input?: Parameters<EpisodeCardProps['act']>[1]) {
    if (busy) return
    setBusy(action)
    setError(null)
    try {
      await act(action, input)
    } catch (err) {
      if (!(isApiError(err) && err.status === 409)) setError(t('alerts.actionError', { message: errorText(err, t) }))
      throw err
    } finally {
      setBusy(null)
    }
  }
  const quietly = (p: Promise<void>) => void p.catch(() => undefined)

  const value = (v: EpisodeValue | null) =>
    v && (
      <>
        <strong className={`course__value course__value--${v.severity}`}>
          {e.vital ? formatVital(e.vital as VitalType, v.value, v.unit, locale) : `${v.value} ${v.unit}`}
        </strong>{' '}
        <time dateTime={v.at} className="alert-card__reading-time">{formatWeekdayDateTime(v.at, locale)}</time>
      </>
    )

  return (
    <article
      ref={ref}
      tabIndex={isSelected ? 0 : -1}
      className={`alert-card alert-card--${e.severity} episode-card${isSelected ? ' episode-card--selected' : ''}`}
      aria-labelledby={headingId}
      data-testid={`episode-${e.id}`}
      data-episode-id={e.id}
      onFocus={onSelect}
    >
      <header className="alert-card__header">
        <p className={`severity severity--${e.severity}`}>
          <svg className="severity__icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
            {e.severity === 'red' ? <path d="M8 1.5 15 14.5H1Z" /> : <path d="M8 1 15 8 8 15 1 8Z" />}
          </svg>
          {t(`alerts.severity.${e.severity}`)}
        </p>
        <h3 id={headingId} className="alert-card__patient">
          <Link to={paths.patient(e.patientId)}>{e.patientName}</Link>
        </h3>
        <p className="alert-card__when">
          {tx('alerts.openedAt', { time: <RelativeTime value={e.firstTriggeredAt} /> })}
        </p>
      </header>

      <p className="alert-card__summary">
        <span className="episode-card__topic">{topic}</span>
        {' · '}
        {tp('episodes.readings', e.readingCount)}
        {e.alerts.length > 1 && <> · {tp('episodes.alertCount', e.alerts.length)}</>}
      </p>
      {(e.first || e.latest) && (
        <dl className="course">
          {e.first && (<div><dt>{t('episodes.first')}</dt><dd>{value(e.first)}</dd></div>)}
          {e.worst && !isSameFinding(e.worst, e.first) && !isSameFinding(e.worst, e.latest) && (
            <div><dt>{t('episodes.worst')}</dt><dd>{value(e.worst)}</dd></div>
          )}
          {e.latest && (<div><dt>{t('episodes.latest')}</dt><dd>{value(e.latest)}</dd></div>)}
        </dl>
      )}
      {!e.isConditionActive && <p className="alert-card__followup">{t('alerts.conditionOver')}</p>}
      {e.snooze && (
        <p className="alert-card__followup">
          {t(e.severity !== e.snooze.severity ? 'episodes.worsenedWhileSnoozed' : 'episodes.snoozedUntil', {
            time: formatWeekdayDateTime(e.snooze.until, locale), reason: e.snooze.reason, name: e.snooze.byName,
          })}
        </p>
      )}
      {(acknowledged || assignee) && (
        <p className="alert-card__followup">
          {acknowledged?.acknowledgedBy &&
            t('alerts.acknowledgedBy', {
              name: acknowledged.acknowledgedBy,
              time: acknowledged.acknowledgedAt ? formatWeekdayDateTime(acknowledged.acknowledgedAt, locale) : '',
            })}
          {acknowledged && assignee && ' · '}
          {assignee && t('alerts.assignedTo', { name: assignee })}
        </p>
      )}

      <button
        type="button"
        className="button button--quiet episode-card__toggle"
        aria-expanded={isOpen}
        aria-controls={detailsId}
        onClick={onToggleOpen}
      >
        {isOpen ? t('episodes.hideWhy') : t('episodes.showWhy')}
      </button>
      <div id={detailsId} hidden={!isOpen} className="alert-card__explanation">
        {isOpen && e.alerts.map((a) => (
          <section key={a.id} className="episode-card__alert" aria-label={a.rule}>
            <p className="alert-card__summary">
              <span className={`severity severity--${a.severity} severity--small`}>{t(`alerts.severity.${a.severity}`)}</span>{' '}
              {a.summaries?.[language] ?? a.summary}
              {a.count > 1 && <> · {tp('alerts.repeated', a.count)}</>}
            </p>
            {a.escalatedAt && <p className="alert-card__followup">{t('alerts.escalated', { time: formatWeekdayDateTime(a.escalatedAt, locale) })}</p>}
            <AlertExplanation alert={a} />
          </section>
        ))}
      </div>

      <div className="alert-card__actions">
        {e.status === 'open' && (
          <button
            type="button"
            className="button button--primary"
            onClick={() => quietly(run('acknowledge'))}
            aria-describedby={headingId}
            aria-disabled={busy !== null || undefined}
            aria-keyshortcuts="a"
          >
            {busy === 'acknowledge' ? t('alerts.acknowledging') : t('alerts.acknowledge')}
          </button>
        )}
        {!isMine && (
          <button type="button" className="button" onClick={() => quietly(run('assign'))} aria-describedby={headingId} aria-disabled={busy !== null || undefined}>
            {t('episodes.takeResponsibility')}
          </button>
        )}
        {e.snooze && e.severity === e.snooze.severity ? (
          <button type="button" className="button" onClick={() => quietly(run('unsnooze'))} aria-describedby={headingId}>
            {t('episodes.unsnooze')}
          </button>
        ) : (
          <button
            type="button"
            className="button"
            aria-expanded={form === 'snooze'}
            aria-describedby={headingId}
            onClick={() => setForm(form === 'snooze' ? null : 'snooze')}
          >
            {t('episodes.snooze')}
          </button>
        )}
        <button
          ref={formButton}
          type="button"
          className="button"
          aria-expanded={form === 'resolve'}
          aria-describedby={headingId}
          onClick={() => setForm(form === 'resolve' ? null : 'resolve')}
        >
          {t('alerts.resolve')}
        </button>
      </div>
      {canShare && latestAlert && <ShareWithGp alertId={latestAlert.id} patientId={e.patientId} describedBy={headingId} />}
      {error && <p className="notice notice--error" role="alert">{error}</p>}
      {form === 'snooze' && (
        <SnoozeForm
          now={now}
          snooze={(until, reason) => run('snooze', { until, reason })}
          onCancel={() => { setForm(null); formButton.current?.focus() }}
        />
      )}
      {form === 'resolve' && (
        <ResolveForm
          confirmLabel={t('episodes.confirmResolve')}
          resolve={(outcome, note) => run('resolve', { outcome, note })}
          onCancel={() => { setForm(null); formButton.current?.focus() }}
        />
      )}
    </article>
  )
})
