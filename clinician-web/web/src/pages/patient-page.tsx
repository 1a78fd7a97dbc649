import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { isAbort, isApiError } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import { getPatient, listMeasurements } from '../api/patients'
import type { Measurement, MeasurementEvent, Patient } from '@varde/api-contract'
import { buildChartRows, mergeLatest, mergeMeasurements } from '../components/chart-rows'
import { ConditionList } from '../components/condition-list'
import { GatewayStatus } from '../components/gateway-status'
import { LoadError } from '../components/load-error'
import { PatientRulesSection } from '../components/patient-rules'
import { RelativeTime } from '../components/relative-time'
import { TrafficLight } from '../components/traffic-light'
import { tickNow, useNow } from '../components/use-now'
import { VitalSection } from '../components/vital-section'
import { formatVital, groupsFor, vitalLabel } from '../components/vital-groups'
import { useI18n } from '../i18n/i18n'
import { Link, paths } from '../router'
import { usePageTitle } from './use-page-title'

export const RANGE_OPTIONS = [7, 30, 90] as const
export type RangeDays = (typeof RANGE_OPTIONS)[number]
const DAY_MS = 24 * 60 * 60 * 1000
/** Live readings kept for merging into a refetch that may have started before they were stored. */
const LIVE_BUFFER = 500

type Status =
  | { kind: 'loading' }
  | { kind: 'ready' }
  | { kind: 'not-found' }
  | { kind: 'error'; error: unknown }

/**
 * One patient's trends: a chart and a table per vital type, appended live as
 * readings arrive. Mount it with `key={patientId}` so another patient starts afresh.
 */
export function PatientPage({ patientId }: { patientId: string }) {
  const { t, locale, language } = useI18n()
  const [status, setStatus] = useState<Status>({ kind: 'loading' })
  const [patient, setPatient] = useState<Patient | null>(null)
  const [measurements, setMeasurements] = useState<Measurement[]>([])
  const [rangeDays, setRangeDays] = useState<RangeDays>(7)
  const [fromMs, setFromMs] = useState(() => Date.now() - 7 * DAY_MS)
  const [isRefreshing, setRefreshing] = useState(false)
  const [announcement, setAnnouncement] = useState('')
  const liveReadings = useRef<Measurement[]>([])
  const controller = useRef<AbortController | null>(null)
  const now = useNow()
  usePageTitle(patient?.displayName ?? t('patient.loading'))

  const load = useCallback(
    async (days: RangeDays) => {
      controller.current?.abort()
      const c = new AbortController()
      controller.current = c
      setRefreshing(true)
      const to = Date.now()
      const from = to - days * DAY_MS
      try {
        const [p, items] = await Promise.all([
          getPatient(patientId, c.signal),
          listMeasurements(patientId, { from: new Date(from), to: new Date(to) }, c.signal),
        ])
        // readings that arrived live while the request was under way are kept, not lost
        const live = liveReadings.current
        setPatient({
          ...p,
          latest: mergeLatest(p.latest, live),
          lastMeasurementAt: newestOf(p.lastMeasurementAt, live),
        })
        setMeasurements(
          mergeMeasurements(
            items,
            live.filter((r) => Date.parse(r.measuredAt) >= from),
          ),
        )
        setFromMs(from)
        setStatus({ kind: 'ready' })
      } catch (error) {
        if (isAbort(error)) return
        if (isApiError(error) && error.status === 404) setStatus({ kind: 'not-found' })
        else setStatus((s) => (s.kind === 'ready' ? s : { kind: 'error', error }))
      } finally {
        if (controller.current === c) setRefreshing(false)
      }
    },
    [patientId],
  )

  useEffect(() => {
    void load(rangeDays)
  }, [load, rangeDays])
  useEffect(() => () => controller.current?.abort(), [])

  const onMeasurement = (event: MeasurementEvent) => {
    if (event.patientId !== patientId || event.readings.length === 0) return
    liveReadings.current = [...liveReadings.current, ...event.readings].slice(-LIVE_BUFFER)
    setMeasurements((current) =>
      mergeMeasurements(
        current,
        event.readings.filter((r) => Date.parse(r.measuredAt) >= fromMs),
      ),
    )
    setPatient(
      (p) =>
        p && {
          ...p,
          latest: mergeLatest(p.latest, event.readings),
          lastMeasurementAt: newestOf(p.lastMeasurementAt, event.readings),
        },
    )
    tickNow()
    setAnnouncement(
      event.readings
        .map((r) =>
          t('patient.newReading', {
            label: vitalLabel(r.type, language),
            value: formatVital(r.type, r.value, r.unit, locale),
          }),
        )
        .join('. '),
    )
  }
  useLiveEvents({
    onMeasurement,
    onAlert: (event) => {
      // only the header's traffic light changes: refetch the patient, not the readings
      if (event.alert.patientId !== patientId) return
      getPatient(patientId).then(
        (p) =>
          setPatient((current) => (current ? { ...current, openAlerts: p.openAlerts } : current)),
        () => {},
      )
    },
    onResync: () => void load(rangeDays),
  })

  const latest = useMemo(
    () => (patient ? mergeLatest(patient.latest, measurements) : {}),
    [patient, measurements],
  )
  const groups = useMemo(
    () => groupsFor([...Object.keys(latest), ...measurements.map((m) => m.type)]),
    [latest, measurements],
  )
  const newestMs = measurements.length
    ? Date.parse(measurements[measurements.length - 1]?.measuredAt ?? '')
    : 0
  const toMs = Math.max(now, newestMs, fromMs + DAY_MS)

  const heading =
    status.kind === 'not-found'
      ? t('notFound.title')
      : status.kind === 'error' && !patient
        ? t('patient.loadError')
        : (patient?.displayName ?? t('patient.loading'))

  return (
    <div className="page page--patient">
      <p className="page__back">
        <Link to={paths.patients()}>
          <span aria-hidden="true">← </span>
          {t('patient.back')}
        </Link>
      </p>
      <div className="patient-header">
        <div className="patient-header__identity">
          <h1 tabIndex={-1}>{heading}</h1>
          {patient && <ConditionList conditions={patient.conditions} />}
          {patient?.serviceState && patient.serviceState !== 'active' && (
            <p className="service-state">{t(`service.${patient.serviceState}`)}</p>
          )}
        </div>
        {patient && (
          <div className="patient-header__status">
            <TrafficLight openAlerts={patient.openAlerts} />
            <p className="patient-header__last">
              {t('patients.lastMeasurement')}:{' '}
              {patient.lastMeasurementAt ? (
                <RelativeTime value={patient.lastMeasurementAt} />
              ) : (
                t('patients.noMeasurements')
              )}
            </p>
            <GatewayStatus gateway={patient.gateway} />
          </div>
        )}
      </div>

      {status.kind === 'loading' && <p className="page__loading">{t('app.loading')}</p>}
      {status.kind === 'not-found' && (
        <p className="notice notice--info">{t('patient.notFound')}</p>
      )}
      {status.kind === 'error' && (
        <LoadError
          message={t('patient.loadError')}
          error={status.error}
          onRetry={() => void load(rangeDays)}
        />
      )}

      {status.kind === 'ready' && patient && (
        <section
          className="measurements"
          aria-labelledby="measurements-heading"
          aria-busy={isRefreshing || undefined}
        >
          <div className="measurements__header">
            <h2 id="measurements-heading">{t('patient.measurements')}</h2>
            <fieldset className="segmented">
              <legend className="segmented__legend">{t('patient.range')}</legend>
              {RANGE_OPTIONS.map((days) => (
                <label key={days} className="segmented__option">
                  <input
                    type="radio"
                    name="range"
                    value={days}
                    checked={rangeDays === days}
                    onChange={() => setRangeDays(days)}
                  />
                  <span>{t('patient.rangeDays', { count: days })}</span>
                </label>
              ))}
            </fieldset>
          </div>
          {groups.length === 0 ? (
            <p className="empty">{t('patient.noVitals')}</p>
          ) : (
            groups.map((group) => (
              <VitalSection
                key={group.id}
                group={group}
                rows={buildChartRows(group, measurements)}
                latest={latest}
                fromMs={fromMs}
                toMs={toMs}
                rangeDays={rangeDays}
              />
            ))
          )}
        </section>
      )}
      {status.kind === 'ready' && patient && <PatientRulesSection patientId={patientId} />}
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </div>
  )
}

function newestOf(current: string | null, readings: readonly Measurement[]): string | null {
  return readings.reduce<string | null>(
    (a, r) => (a === null || Date.parse(r.measuredAt) > Date.parse(a) ? r.measuredAt : a),
    current,
  )
}
