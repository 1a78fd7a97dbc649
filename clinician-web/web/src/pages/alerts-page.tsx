import type { Alert } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useMemo, useRef, useState } from 'react'
import { listAlerts } from '../api/alerts'
import { TEAM_MANAGER_ROLES } from '../api/care-team'
import { useLiveEvents } from '../api/live-events-context'
import { queryKeys } from '../api/query-keys'
import { AlertCard } from '../components/alert-card'
import { QueryState } from '../components/query-state'
import { useI18n } from '../i18n/i18n'
import { hasRole, useSignedInSession } from '../session/session-context'
import { usePageTitle } from './use-page-title'

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
  const canShare = hasRole(useSignedInSession(), TEAM_MANAGER_ROLES)
  const [message, setMessage] = useState('')
  const [focusId, setFocusId] = useState<string | null>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const queryClient = useQueryClient()
  /** Ids of alerts that arrived live while a load was on its way; null when none is. */
  const arrivedDuringLoad = useRef<Set<string> | null>(null)

  const inbox = useQuery({
    queryKey: queryKeys.alerts,
    queryFn: async ({ signal }) => {
      const arrived = new Set<string>()
      arrivedDuringLoad.current = arrived
      try {
        const loaded = await listAlerts(['open', 'acknowledged'], signal)
        const current = queryClient.getQueryData<Alert[]>(queryKeys.alerts)
        return current ? mergeLoaded(current, loaded, arrived) : loaded
      } finally {
        if (arrivedDuringLoad.current === arrived) arrivedDuringLoad.current = null
      }
    },
  })
  const alerts = inbox.data

  /** A changed alert (an event or an action's answer) goes into the cached inbox by revision. */
  const upsert = useCallback(
    (alert: Alert) =>
      queryClient.setQueryData<Alert[]>(queryKeys.alerts, (current) =>
        current ? upsertAlert(current, alert) : current,
      ),
    [queryClient],
  )

  useLiveEvents({
    onAlert: ({ alert }) => {
      arrivedDuringLoad.current?.add(alert.id)
      upsert(alert)
    },
  })

  const onChanged = useCallback(
    (alert: Alert, action: 'acknowledged' | 'resolved') => {
      upsert(alert)
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
    [t, upsert],
  )

  /** Someone else got there first (acknowledged or resolved it): show what is true now. */
  const onConflict = useCallback(() => {
    setMessage(t('alerts.changedElsewhere'))
    void queryClient.invalidateQueries({ queryKey: queryKeys.alerts })
  }, [t, queryClient])

  const open = useMemo(
    () => (alerts ? sortAlerts(alerts.filter((a) => a.status === 'open')) : []),
    [alerts],
  )
  const acknowledged = useMemo(
    () => (alerts ? sortAlerts(alerts.filter((a) => a.status === 'acknowledged')) : []),
    [alerts],
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
      <QueryState query={inbox} errorMessage={t('alerts.loadError')} />
      {alerts && (
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
                    <AlertCard alert={a} onChanged={onChanged} onConflict={onConflict} canShare={canShare} />
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
                      canShare={canShare}
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
