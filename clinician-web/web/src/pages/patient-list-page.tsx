import type { MeasurementEvent, Patient } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { Link } from 'react-router'
import { useLiveEvents } from '../api/live-events-context'
import { listPatients } from '../api/patients'
import { queryKeys } from '../api/query-keys'
import { mergeLatest } from '../components/chart-rows'
import { ConditionList } from '../components/condition-list'
import { AdherenceText } from '../components/adherence-text'
import { GatewayStatus } from '../components/gateway-status'
import { LatestValues } from '../components/latest-values'
import { QueryState } from '../components/query-state'
import { LastMeasurement } from '../components/last-measurement'
import { TrafficLight } from '../components/traffic-light'
import { sortByUrgency, urgencyOf } from '../components/urgency'
import { tickNow } from '../components/use-now'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { usePageTitle } from './use-page-title'

/** The nurse's overview: everyone on the care team, most urgent first, updating live. */
export function PatientListPage() {
  const { t, tp, locale } = useI18n()
  usePageTitle(t('patients.title'))
  const [query, setQuery] = useState('')
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

  const sorted = useMemo(
    () => (patients ? sortByUrgency(patients, locale) : []),
    [patients, locale],
  )
  const visible = useMemo(() => {
    const q = query.trim().toLocaleLowerCase(locale)
    return q ? sorted.filter((p) => p.displayName.toLocaleLowerCase(locale).includes(q)) : sorted
  }, [sorted, query, locale])
  const counts = useMemo(() => {
    const c = { red: 0, yellow: 0, green: 0 }
    for (const p of sorted) c[urgencyOf(p.openAlerts)]++
    return c
  }, [sorted])

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
          <div className="list-tools">
            <div className="field field--inline">
              <label htmlFor="patient-search">{t('patients.search')}</label>
              <input
                id="patient-search"
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                autoComplete="off"
              />
            </div>
            <p className="list-tools__note">
              {tp('patients.count', visible.length)}. {t('patients.sortNote')}
            </p>
          </div>
          {visible.length === 0 ? (
            <p className="empty" role="status">
              {t('patients.noMatch', { query: query.trim() })}
            </p>
          ) : (
            <ul className="patient-list">
              {visible.map((p) => (
                <PatientCard key={p.id} patient={p} />
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  )
}

function PatientCard({ patient }: { patient: Patient }) {
  const { t } = useI18n()
  const urgency = urgencyOf(patient.openAlerts)
  return (
    <li className={`patient-card patient-card--${urgency}`} data-testid={`patient-${patient.id}`}>
      <div className="patient-card__status">
        <TrafficLight openAlerts={patient.openAlerts} />
      </div>
      <div className="patient-card__identity">
        <h2 className="patient-card__name">
          <Link to={paths.patient(patient.id)} className="patient-card__link">
            {patient.displayName}
          </Link>
        </h2>
        <ConditionList conditions={patient.conditions} />
        {patient.serviceState && patient.serviceState !== 'active' && (
          <p className="service-state">{t(`service.${patient.serviceState}`)}</p>
        )}
      </div>
      <div className="patient-card__values">
        <LatestValues latest={patient.latest} />
      </div>
      <div className="patient-card__meta">
        <LastMeasurement
          at={patient.lastMeasurementAt}
          className="patient-card__last"
          labelClassName="patient-card__meta-label"
        />
        <GatewayStatus gateway={patient.gateway} />
        <AdherenceText adherence={patient.adherence} className="patient-card__adherence" />
      </div>
    </li>
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
