import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { listAlerts } from '../api/alerts'
import { isAbort } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import type { Alert } from '../api/types'
import { AlertCard } from '../components/alert-card'
import { LoadError } from '../components/load-error'
import { useI18n } from '../i18n/i18n'
import { usePageTitle } from './use-page-title'

type State =
  { kind: 'loading' } | { kind: 'error'; error: unknown } | { kind: 'ready'; alerts: Alert[] }

const SEVERITY_RANK = { red: 0, yellow: 1 } as const

/** Red before yellow; within each, the one waiting longest first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Date.parse(a.openedAt) - Date.parse(b.openedAt),
  )
}

/** A created or changed alert replaces the one we have; resolved ones leave the inbox. */
export function upsertAlert(alerts: readonly Alert[], changed: Alert): Alert[] {
  const others = alerts.filter((a) => a.id !== changed.id)
  return changed.status === 'resolved' ? others : [...others, changed]
}

/** The inbox: open alerts to act on, and acknowledged ones still to be closed. */
export function AlertsPage() {
  const { t } = useI18n()
  usePageTitle(t('alerts.title'))
  const [state, setState] = useState<State>({ kind: 'loading' })
  const [message, setMessage] = useState('')
  const [focusId, setFocusId] = useState<string | null>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const controller = useRef<AbortController | null>(null)

  const load = useCallback(async () => {
    controller.current?.abort()
    const c = new AbortController()
    controller.current = c
    try {
      const alerts = await listAlerts(['open', 'acknowledged'], c.signal)
      setState({ kind: 'ready', alerts })
    } catch (error) {
      if (!isAbort(error)) setState((s) => (s.kind === 'ready' ? s : { kind: 'error', error }))
    }
  }, [])

  useEffect(() => {
    void load()
    return () => controller.current?.abort()
  }, [load])

  useLiveEvents({
    onAlert: ({ alert }) =>
      setState((s) => (s.kind === 'ready' ? { ...s, alerts: upsertAlert(s.alerts, alert) } : s)),
    onResync: () => void load(),
  })

  const onChanged = useCallback(
    (alert: Alert, action: 'acknowledged' | 'resolved') => {
      setState((s) => (s.kind === 'ready' ? { ...s, alerts: upsertAlert(s.alerts, alert) } : s))
      if (action === 'acknowledged') {
        setMessage(t('alerts.didAcknowledge', { name: alert.patientName }))
        // the card moved to the other list: keep the nurse on it, at its next step
        setFocusId(alert.id)
      } else {
        setMessage(t('alerts.didResolve', { name: alert.patientName }))
        setFocusId(null)
        headingRef.current?.focus()
      }
    },
    [t],
  )

  const open = useMemo(
    () =>
      state.kind === 'ready' ? sortAlerts(state.alerts.filter((a) => a.status === 'open')) : [],
    [state],
  )
  const acknowledged = useMemo(
    () =>
      state.kind === 'ready'
        ? sortAlerts(state.alerts.filter((a) => a.status === 'acknowledged'))
        : [],
    [state],
  )

  return (
    <div className="page page--alerts">
      <div className="page__header">
        <h1 tabIndex={-1} ref={headingRef}>
          {t('alerts.title')}
        </h1>
        <p className="page__note">{t('alerts.sortNote')}</p>
      </div>
      <p className={message ? 'notice notice--success' : 'visually-hidden'} role="status">
        {message}
      </p>
      {state.kind === 'loading' && <p className="page__loading">{t('app.loading')}</p>}
      {state.kind === 'error' && (
        <LoadError
          message={t('alerts.loadError')}
          error={state.error}
          onRetry={() => void load()}
        />
      )}
      {state.kind === 'ready' && (
        <>
          <section className="alert-group" aria-labelledby="alerts-open-heading">
            <h2 id="alerts-open-heading">
              {t('alerts.open')} <span className="count">{open.length}</span>
            </h2>
            {open.length === 0 ? (
              <p className="empty">{t('alerts.noneOpen')}</p>
            ) : (
              <ul className="alert-list">
                {open.map((a) => (
                  <li key={a.id}>
                    <AlertCard alert={a} onChanged={onChanged} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="alert-group" aria-labelledby="alerts-acknowledged-heading">
            <h2 id="alerts-acknowledged-heading">
              {t('alerts.acknowledged')} <span className="count">{acknowledged.length}</span>
            </h2>
            {acknowledged.length === 0 ? (
              <p className="empty">{t('alerts.noneAcknowledged')}</p>
            ) : (
              <ul className="alert-list">
                {acknowledged.map((a) => (
                  <li key={a.id}>
                    <AlertCard alert={a} onChanged={onChanged} shouldFocus={focusId === a.id} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  )
}
