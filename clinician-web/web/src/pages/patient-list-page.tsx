import {
  PATIENT_CONDITIONS,
  SERVICE_STATES,
  type MeasurementEvent,
  type Patient,
} from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { useLiveEvents } from '../api/live-events-context'
import { listPatients } from '../api/patients'
import { queryKeys } from '../api/query-keys'
import { mergeLatest } from '../components/chart-rows'
import { QueryState } from '../components/query-state'
import { urgencyOf } from '../components/urgency'
import { tickNow, useNow } from '../components/use-now'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import {
  applyView,
  paramsFromView,
  READING_FILTERS,
  SORTS,
  viewFromParams,
  type ListView,
} from './patient-list-filters'
import { PatientRows, type RowsHandle } from './patient-rows'
import { SavedViews } from './saved-views'
import { usePageTitle } from './use-page-title'

/** The nurse's overview: everyone on the care team, most urgent first, updating live. */
export function PatientListPage() {
  const { t, locale } = useI18n()
  usePageTitle(t('patients.title'))
  const [params, setParams] = useSearchParams()
  const view = useMemo(() => viewFromParams(params), [params])
  // not part of the view: every row in the page at once (print, find in page), whatever the count
  const isWhole = params.get('rows') === 'all'
  const rows = useRef<RowsHandle | null>(null)
  const onRowsReady = useCallback((handle: RowsHandle) => {
    rows.current = handle
  }, [])
  // typing replaces the history entry; a changed filter or sort pushes one, so back undoes it
  const setView = (change: Partial<ListView>, replace = false) =>
    setParams(paramsFromView({ ...view, ...change }), { replace })
  const searchRef = useRef<HTMLInputElement>(null)
  // on a phone the filters, sort and saved views fold away under one line, so the list starts on the first screen
  const [isOptionsOpen, setOptionsOpen] = useState(
    () =>
      typeof window.matchMedia !== 'function' || !window.matchMedia('(max-width: 560px)').matches,
  )
  const narrowing =
    [view.condition, view.state, view.reading].filter(Boolean).length +
    [view.attention, view.lowAdherence, view.noContact].filter(Boolean).length
  const now = useNow()
  const queryClient = useQueryClient()
  const list = useQuery({
    queryKey: queryKeys.patients,
    queryFn: ({ signal }) => listPatients(signal),
  })
  const patients = list.data

  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(
    () => () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
    },
    [],
  )

  useLiveEvents({
    // the event has the readings: they go into the cached list, no refetch
    onMeasurement: (event) => {
      queryClient.setQueryData<Patient[]>(queryKeys.patients, (current) =>
        current ? applyMeasurementEvent(current, event) : current,
      )
      tickNow()
    },
    // an alert changes a traffic light: the list is stale. Alerts come in bursts
    // (one reading can open several): one refetch for the burst.
    onAlert: () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current)
      reloadTimer.current = setTimeout(
        () => void queryClient.invalidateQueries({ queryKey: queryKeys.patients, exact: true }),
        300,
      )
    },
  })

  const sorted = patients ?? []
  const visible = useMemo(
    () => applyView(sorted, view, locale, new Date(now)),
    [sorted, view, locale, now],
  )
  const counts = useMemo(() => {
    const c = { red: 0, yellow: 0, green: 0 }
    for (const p of sorted) c[urgencyOf(p.openAlerts)]++
    return c
  }, [sorted])

  // "/" jumps to the search from anywhere on the page, as in most web tools, and "j" to the first
  // patient (the list's own keys move on from there); not while typing elsewhere
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key !== '/' && e.key !== 'j') || e.ctrlKey || e.metaKey || e.altKey) return
      const target = e.target as HTMLElement | null
      if (target?.closest('input, textarea, select, [contenteditable="true"], .patient-list'))
        return
      e.preventDefault()
      if (e.key === '/') searchRef.current?.focus()
      else rows.current?.focusRow(0)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])

  return (
    <div className="page page--patients">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('nav.patients')}</h1>
        {patients && sorted.length > 0 && (
          <ul className="urgency-summary" aria-label={t('patients.summary')}>
            <li className="urgency-summary__item urgency-summary__item--red">
              {t('traffic.red')}: <strong>{counts.red}</strong>
            </li>
            <li className="urgency-summary__item urgency-summary__item--yellow">
              {t('traffic.yellow')}: <strong>{counts.yellow}</strong>
            </li>
            <li className="urgency-summary__item urgency-summary__item--green">
              {t('traffic.green')}: <strong>{counts.green}</strong>
            </li>
          </ul>
        )}
      </div>

      <QueryState query={list} errorMessage={t('patients.loadError')} />
      {patients && sorted.length === 0 && <p className="empty">{t('patients.empty')}</p>}
      {patients && sorted.length > 0 && (
        <>
          <form
            className="list-filters"
            role="search"
            aria-label={t('patients.filters')}
            onSubmit={(e) => e.preventDefault()}
          >
            <div className="field">
              <label htmlFor="patient-search">{t('patients.search')}</label>
              <input
                id="patient-search"
                ref={searchRef}
                type="search"
                value={view.q}
                onChange={(e) => setView({ q: e.target.value }, true)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') setView({ q: '' }, true)
                  // from the search down into the results
                  if (e.key === 'ArrowDown' && visible.length > 0) {
                    e.preventDefault()
                    rows.current?.focusRow(0)
                  }
                }}
                autoComplete="off"
                aria-describedby="patient-keys"
              />
            </div>
          </form>
          <details
            className="list-options"
            open={isOptionsOpen}
            onToggle={(e) => setOptionsOpen(e.currentTarget.open)}
          >
            <summary className="list-options__summary">
              {t('patients.options')}
              {narrowing > 0 && ` (${narrowing})`}
            </summary>
            <div className="list-filters">
              <div className="field">
                <label htmlFor="patient-condition">{t('patients.condition')}</label>
                <select
                  id="patient-condition"
                  value={view.condition ?? ''}
                  onChange={(e) =>
                    setView({ condition: (e.target.value || null) as ListView['condition'] })
                  }
                >
                  <option value="">{t('patients.allConditions')}</option>
                  {PATIENT_CONDITIONS.map((c) => (
                    <option key={c} value={c}>
                      {t(`condition.${c}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="patient-sort">{t('patients.sort')}</label>
                <select
                  id="patient-sort"
                  value={view.sort}
                  onChange={(e) => setView({ sort: e.target.value as ListView['sort'] })}
                >
                  {SORTS.map((s) => (
                    <option key={s} value={s}>
                      {t(`patients.sort.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="patient-state">{t('patients.state')}</label>
                <select
                  id="patient-state"
                  value={view.state ?? ''}
                  onChange={(e) =>
                    setView({ state: (e.target.value || null) as ListView['state'] })
                  }
                >
                  <option value="">{t('patients.allStates')}</option>
                  {SERVICE_STATES.filter((s) => s !== 'ended').map((s) => (
                    <option key={s} value={s}>
                      {t(`patients.state.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="patient-reading">{t('patients.reading')}</label>
                <select
                  id="patient-reading"
                  value={view.reading ?? ''}
                  onChange={(e) =>
                    setView({ reading: (e.target.value || null) as ListView['reading'] })
                  }
                >
                  <option value="">{t('patients.reading.any')}</option>
                  {READING_FILTERS.map((r) => (
                    <option key={r} value={r}>
                      {t(`patients.reading.${r}`)}
                    </option>
                  ))}
                </select>
              </div>
              <label className="list-filters__check">
                <input
                  type="checkbox"
                  checked={view.attention}
                  onChange={(e) => setView({ attention: e.target.checked })}
                />
                {t('patients.needsAttention')}
              </label>
              <label className="list-filters__check">
                <input
                  type="checkbox"
                  checked={view.lowAdherence}
                  onChange={(e) => setView({ lowAdherence: e.target.checked })}
                />
                {t('patients.lowAdherence')}
              </label>
              <label className="list-filters__check">
                <input
                  type="checkbox"
                  checked={view.noContact}
                  onChange={(e) => setView({ noContact: e.target.checked })}
                />
                {t('patients.noContact')}
              </label>
            </div>
            <SavedViews view={view} onOpen={(saved) => setParams(paramsFromView(saved))} />
          </details>
          <div className="list-tools">
            <p className="list-tools__count" role="status">
              {t('patients.showing', { shown: visible.length, total: sorted.length })}
            </p>
            <p className="list-tools__note" id="patient-keys">
              {t('patients.keys')}
            </p>
          </div>
          {visible.length === 0 ? (
            <p className="empty" role="status">
              {t('patients.noMatch')}{' '}
              <Link to={paths.patients()}>{t('patients.clearFilters')}</Link>
            </p>
          ) : (
            <PatientRows patients={visible} isWhole={isWhole} onReady={onRowsReady} />
          )}
        </>
      )}
    </div>
  )
}

/** A `measurement` event moves that patient's latest values and last-measurement time. */
export function applyMeasurementEvent(
  patients: readonly Patient[],
  event: MeasurementEvent,
): Patient[] {
  return patients.map((p) => {
    if (p.id !== event.patientId || event.readings.length === 0) return p
    const newest = event.readings.reduce<string | null>(
      (a, r) => (a === null || Date.parse(r.measuredAt) > Date.parse(a) ? r.measuredAt : a),
      p.lastMeasurementAt,
    )
    return { ...p, latest: mergeLatest(p.latest, event.readings), lastMeasurementAt: newest }
  })
}
