import type { Pause, ServiceCourse } from '@varde/api-contract'
import './service-course.css'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { queryKeys } from '../api/query-keys'
import { endPause, endService, getServiceCourse, listPauses, setSelfCarePlan, startPause } from '../api/service-course'
import { errorText } from '../i18n/error-text'
import { formatDateTime, formatDay } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { QueryState } from './query-state'

/**
 * The patient's course of service on the patient page (issue 17): its state
 * and history, the start-up period, the self-care plan (egenbehandlingsplan),
 * pausing and resuming, and ending the service (asked first: gateways are
 * revoked and open alerts resolved).
 */
export function ServiceCourseSection({ patientId, openAlertCount }: { patientId: string; openAlertCount: number }) {
  const { t, locale } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const course = useQuery({ queryKey: queryKeys.service(patientId), queryFn: ({ signal }) => getServiceCourse(patientId, signal) })
  const pauses = useQuery({ queryKey: queryKeys.pauses(patientId), queryFn: ({ signal }) => listPauses(patientId, signal) })
  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.service(patientId) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.pauses(patientId) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.patient(patientId) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.patients }),
    ])
  }
  const c = course.data
  const current = pauses.data?.find((p) => p.isCurrent) ?? null

  return (
    <section className="panel service-course" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('course.title')}</h2>
      <QueryState query={course} errorMessage={t('course.loadError')} />
      {c && (
        <>
          <dl className="facts">
            <dt>{t('course.state')}</dt>
            <dd data-testid="service-state">{t(`course.state.${c.state}`)}</dd>
            <dt>{t('course.enrolled')}</dt>
            <dd>{formatDay(c.enrolledAt, locale)}</dd>
            {c.startupEndsAt && (
              <>
                <dt>{t('course.startup')}</dt>
                <dd>{t(c.isStartupOver ? 'course.startupEnded' : 'course.startupUntil', { date: formatDay(c.startupEndsAt, locale) })}</dd>
              </>
            )}
            {c.contactPhone && (
              <>
                <dt>{t('course.phone')}</dt>
                <dd>{c.contactPhone}</dd>
              </>
            )}
          </dl>
          {current && <CurrentPause pause={current} />}
          {c.canChange && (
            <ServiceActions patientId={patientId} course={c} current={current} openAlertCount={openAlertCount} onChanged={refresh} />
          )}
          <SelfCarePlan patientId={patientId} course={c} onChanged={refresh} />
          {c.history.length > 0 && (
            <details className="service-course__history">
              <summary>{t('course.history')}</summary>
              <ol>
                {c.history.map((h, i) => (
                  <li key={i}>
                    {formatDateTime(h.at, locale)}: {t(`course.state.${h.toState}`)} ({h.byName}
                    {h.reason ? `: ${h.reason}` : ''})
                  </li>
                ))}
              </ol>
            </details>
          )}
        </>
      )}
    </section>
  )
}

function CurrentPause({ pause }: { pause: Pause }) {
  const { t, locale } = useI18n()
  return (
    <p className="notice notice--info" data-testid="current-pause">
      {t(pause.endsAt ? 'course.pausedUntil' : 'course.pausedOpen', {
        from: formatDateTime(pause.startsAt, locale),
        until: pause.endsAt ? formatDateTime(pause.endsAt, locale) : '',
      })}
      {pause.reason ? ` ${t('course.reason')}: ${pause.reason}` : ''}
      <span>{t('course.pausedNote')}</span>
    </p>
  )
}

type Mode = 'idle' | 'pausing' | 'ending'

function ServiceActions({
  patientId, course, current, openAlertCount, onChanged,
}: {
  patientId: string; course: ServiceCourse; current: Pause | null; openAlertCount: number; onChanged: () => Promise<void>
}) {
  const { t, tp } = useI18n()
  const id = useId()
  const [mode, setMode] = useState<Mode>('idle')
  const [reason, setReason] = useState('')
  const [until, setUntil] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  const run = async (action: () => Promise<unknown>) => {
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      await action()
      setMode('idle')
      setReason('')
      setUntil('')
      await onChanged()
    } catch (e) {
      setError(errorText(e, t))
    } finally {
      setBusy(false)
    }
  }
  const submitPause = (event: FormEvent) => {
    event.preventDefault()
    // the expected end is the end of the chosen day in the reader's time zone
    const endsAt = until ? new Date(`${until}T23:59:00`).toISOString() : undefined
    void run(() => startPause(patientId, { ...(endsAt ? { endsAt } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) }))
  }
  const submitEnd = (event: FormEvent) => {
    event.preventDefault()
    if (!reason.trim()) {
      setError(t('course.reasonRequired'))
      return
    }
    void run(() => endService(patientId, reason.trim()))
  }

  if (course.state === 'ended') return null
  return (
    <div className="service-actions">
      {mode === 'idle' && (
        <div className="button-row">
          {current ? (
            <button type="button" className="button button--primary" onClick={() => void run(() => endPause(patientId, current.id))}>
              {t('course.resume')}
            </button>
          ) : (
            <button type="button" className="button" onClick={() => setMode('pausing')}>
              {t('course.pause')}
            </button>
          )}
          <button type="button" className="button button--danger" onClick={() => setMode('ending')}>
            {t('course.end')}
          </button>
        </div>
      )}
      {mode === 'pausing' && (
        <form className="form-stack" onSubmit={submitPause} aria-labelledby={`${id}-p`}>
          <h3 id={`${id}-p`}>{t('course.pauseTitle')}</h3>
          <div className="field">
            <label htmlFor={`${id}-reason`}>{t('course.reason')}</label>
            <input id={`${id}-reason`} type="text" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-until`}>{t('course.expectedEnd')}</label>
            <input id={`${id}-until`} type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
          </div>
          <div className="button-row">
            <button type="submit" className="button button--primary" aria-busy={isBusy || undefined}>{t('course.pauseConfirm')}</button>
            <button type="button" className="button button--quiet" onClick={() => setMode('idle')}>{t('course.cancel')}</button>
          </div>
        </form>
      )}
      {mode === 'ending' && (
        <form className="form-stack service-actions__end" onSubmit={submitEnd} aria-labelledby={`${id}-e`}>
          <h3 id={`${id}-e`}>{t('course.endTitle')}</h3>
          <p className="notice notice--error">
            {t('course.endWarning')}
            {openAlertCount > 0 && <span>{tp('course.endAlerts', openAlertCount)}</span>}
          </p>
          <div className="field">
            <label htmlFor={`${id}-end-reason`}>{t('course.endReason')}</label>
            <input id={`${id}-end-reason`} type="text" required maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="button-row">
            <button type="submit" className="button button--danger" aria-busy={isBusy || undefined}>{t('course.endConfirm')}</button>
            <button type="button" className="button button--quiet" onClick={() => setMode('idle')}>{t('course.cancel')}</button>
          </div>
        </form>
      )}
      {error && <p className="notice notice--error" role="alert">{error}</p>}
    </div>
  )
}

function SelfCarePlan({ patientId, course, onChanged }: { patientId: string; course: ServiceCourse; onChanged: () => Promise<void> }) {
  const { t, locale } = useI18n()
  const id = useId()
  const [draft, setDraft] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const save = async (event: FormEvent) => {
    event.preventDefault()
    if (draft === null) return
    try {
      await setSelfCarePlan(patientId, draft)
      setDraft(null)
      setError(null)
      await onChanged()
    } catch (e) {
      setError(errorText(e, t))
    }
  }
  return (
    <div className="self-care-plan">
      <h3 id={`${id}-h`}>{t('course.plan')}</h3>
      {draft === null ? (
        <>
          {course.selfCarePlan ? (
            <p className="self-care-plan__text" data-testid="self-care-plan">{course.selfCarePlan}</p>
          ) : (
            <p className="empty">{t('course.planEmpty')}</p>
          )}
          {course.selfCarePlanUpdatedAt && (
            <p className="muted">
              {t('course.planUpdated', { when: formatDateTime(course.selfCarePlanUpdatedAt, locale), by: course.selfCarePlanUpdatedBy ?? '' })}
            </p>
          )}
          {course.canChange && (
            <button type="button" className="button" onClick={() => setDraft(course.selfCarePlan)}>
              {t('course.planEdit')}
            </button>
          )}
        </>
      ) : (
        <form className="form-stack" onSubmit={(e) => void save(e)}>
          <div className="field">
            <label htmlFor={`${id}-text`}>{t('course.plan')}</label>
            <textarea id={`${id}-text`} rows={6} maxLength={4000} value={draft} onChange={(e) => setDraft(e.target.value)} />
          </div>
          <div className="button-row">
            <button type="submit" className="button button--primary">{t('course.planSave')}</button>
            <button type="button" className="button button--quiet" onClick={() => setDraft(null)}>{t('course.cancel')}</button>
          </div>
          {error && <p className="notice notice--error" role="alert">{error}</p>}
        </form>
      )}
    </div>
  )
}
