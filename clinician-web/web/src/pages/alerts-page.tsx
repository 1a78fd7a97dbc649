import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { listAlerts } from '../api/alerts'
import { isAbort } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import type { Alert } from '@varde/api-contract'
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

/**
 * A created or changed alert replaces the one we have, unless ours is newer
 * (events and answers can cross). Resolved alerts stay in the state, out of
 * both lists, so a late older version cannot bring one back.
 */
export function upsertAlert(alerts: readonly Alert[], changed: Alert): Alert[] {
  const current = alerts.find((a) => a.id === changed.id)
  if (current && current.revision > changed.revision) return [...alerts]
  return [...alerts.filter((a) => a.id !== changed.id), changed]
}

/**
 * A fresh list from the server, merged with what we have: the newer version
 * of each alert, and alerts that are not in the list because they arrived
 * live while it was on its way (`arrivedDuringLoad`) or were resolved.
 */
export function mergeLoaded(
  current: readonly Alert[],
  loaded: readonly Alert[],
  arrivedDuringLoad: ReadonlySet<string>,
): Alert[] {
  let merged = [...loaded]
  for (const a of current) {
    const isListed = loaded.some((l) => l.id === a.id)
    if (isListed || a.status === 'resolved' || arrivedDuringLoad.has(a.id))
      merged = upsertAlert(merged, a)
  }
  return merged
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
  /** Ids of alerts that arrived live while a load was on its way; null when none is. */
  const arrivedDuringLoad = useRef<Set<string> | null>(null)

  const load = useCallback(async () => {
    controller.current?.abort()
    const c = new AbortController()
    controller.current = c
    const arrived = new Set<string>()
    arrivedDuringLoad.current = arrived
    try {
      const alerts = await listAlerts(['open', 'acknowledged'], c.signal)
      setState((s) => ({
        kind: 'ready',
        alerts: s.kind === 'ready' ? mergeLoaded(s.alerts, alerts, arrived) : alerts,
      }))
    } catch (error) {
      if (!isAbort(error)) setState((s) => (s.kind === 'ready' ? s : { kind: 'error', error }))
    } finally {
      if (arrivedDuringLoad.current === arrived) arrivedDuringLoad.current = null
    }
  }, [])

  useEffect(() => {
    void load()
    return () => controller.current?.abort()
  }, [load])

  useLiveEvents({
    onAlert: ({ alert }) => {
      arrivedDuringLoad.current?.add(alert.id)
      setState((s) => (s.kind === 'ready' ? { ...s, alerts: upsertAlert(s.alerts, alert) } : s))
    },
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

  /** Someone else got there first (acknowledged or resolved it): show what is true now. */
  const onConflict = useCallback(() => {
    setMessage(t('alerts.changedElsewhere'))
    void load()
  }, [t, load])

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
                    <AlertCard alert={a} onChanged={onChanged} onConflict={onConflict} />
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
                    <AlertCard
                      alert={a}
                      onChanged={onChanged}
                      onConflict={onConflict}
                      shouldFocus={focusId === a.id}
                    />
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
