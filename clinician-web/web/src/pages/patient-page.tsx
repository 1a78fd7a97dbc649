import type { Measurement, MeasurementEvent, Patient } from '@varde/api-contract'
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useRef, useState } from 'react'
import { Link } from 'react-router'
import { isApiError } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import { getPatient, listMeasurements } from '../api/patients'
import { queryKeys } from '../api/query-keys'
import { buildChartRows, mergeLatest, mergeMeasurements } from '../components/chart-rows'
import { CareTeamSection } from '../components/care-team-section'
import { ConditionList } from '../components/condition-list'
import { EmergencyAccess } from '../components/emergency-access'
import { AdherenceText } from '../components/adherence-text'
import { GatewayStatus } from '../components/gateway-status'
import { HandoverSection } from '../components/handover-section'
import { PatientRulesSection } from '../components/patient-rules'
import { QueryState } from '../components/query-state'
import { MeasuringPlanSection } from '../components/measuring-plan'
import { ServiceCourseSection } from '../components/service-course'
import { ThresholdProposalsSection } from '../components/threshold-proposals'
import { hasRole, useSignedInSession } from '../session/session-context'
import { LastMeasurement } from '../components/last-measurement'
import { TrafficLight } from '../components/traffic-light'
import { tickNow, useNow } from '../components/use-now'
import { VitalSection } from '../components/vital-section'
import { formatVital, groupsFor, vitalLabel } from '../components/vital-groups'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { RANGE_OPTIONS, type RangeDays } from './range-days'
import { usePageTitle } from './use-page-title'

const DAY_MS = 24 * 60 * 60 * 1000
/** Live readings kept for merging into a refetch that may have started before they were stored. */
const LIVE_BUFFER = 500

/** A range's readings and where the range starts (the moment it was loaded, less its days). */
interface Readings {
  items: Measurement[]
  fromMs: number
}

/**
 * One patient's trends: a chart and a table per vital type, appended live as
 * readings arrive. Mount it with `key={patientId}` so another patient starts afresh.
 */
export function PatientPage({ patientId }: { patientId: string }) {
  const { t, locale, language } = useI18n()
  const queryClient = useQueryClient()
  const [rangeDays, setRangeDays] = useState<RangeDays>(7)
  const [announcement, setAnnouncement] = useState('')
  const liveReadings = useRef<Measurement[]>([])
  const now = useNow()
  const session = useSignedInSession()

  // readings that arrived live while a request was under way are kept, not lost
  const patientQuery = useQuery({
    queryKey: queryKeys.patient(patientId),
    queryFn: async ({ signal }): Promise<Patient> => {
      const p = await getPatient(patientId, signal)
      const live = liveReadings.current
      return {
        ...p,
        latest: mergeLatest(p.latest, live),
        lastMeasurementAt: newestOf(p.lastMeasurementAt, live),
      }
    },
  })
  const readingsQuery = useQuery({
    queryKey: queryKeys.measurements(patientId, rangeDays),
    queryFn: async ({ signal }): Promise<Readings> => {
      const to = Date.now()
      const from = to - rangeDays * DAY_MS
      const items = await listMeasurements(
        patientId,
        { from: new Date(from), to: new Date(to) },
        signal,
      )
      const live = liveReadings.current.filter((r) => Date.parse(r.measuredAt) >= from)
      return { items: mergeMeasurements(items, live), fromMs: from }
    },
    // another range: the current one stays on screen (busy) until the new one is there
    placeholderData: keepPreviousData,
  })
  const patient = patientQuery.data ?? null
  const measurements = useMemo(() => readingsQuery.data?.items ?? [], [readingsQuery.data])
  const fromMs = readingsQuery.data?.fromMs ?? now - rangeDays * DAY_MS
  const isNotFound = [patientQuery.error, readingsQuery.error].some(
    (e) => isApiError(e) && e.status === 404,
  )
  const isReady = patient !== null && readingsQuery.data !== undefined
  const canBreakTheGlass = hasRole(session, ['nurse', 'clinician'])
  usePageTitle(patient?.displayName ?? t('patient.loading'))

  const onMeasurement = (event: MeasurementEvent) => {
    if (event.patientId !== patientId || event.readings.length === 0) return
    liveReadings.current = [...liveReadings.current, ...event.readings].slice(-LIVE_BUFFER)
    // the event has the readings: into every cached range of this patient, no refetch
    queryClient.setQueriesData<Readings>(
      { queryKey: queryKeys.measurementsOf(patientId) },
      (current) =>
        current && {
          ...current,
          items: mergeMeasurements(
            current.items,
            event.readings.filter((r) => Date.parse(r.measuredAt) >= current.fromMs),
          ),
        },
    )
    queryClient.setQueryData<Patient>(
      queryKeys.patient(patientId),
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
      // only the header's traffic light changes: the patient is stale, not the readings
      if (event.alert.patientId !== patientId) return
      void queryClient.invalidateQueries({ queryKey: queryKeys.patient(patientId) })
    },
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

  const heading = isNotFound
    ? t('notFound.title')
    : (patientQuery.isError || readingsQuery.isError) && !patient
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
          {patient?.emergencyAccessUntil && (
            <p className="emergency-mark" role="status">
              {t('emergency.mark', { time: formatDateTime(patient.emergencyAccessUntil, locale) })}
            </p>
          )}
          {patient?.serviceState && patient.serviceState !== 'active' && (
            <p className="service-state">{t(`service.${patient.serviceState}`)}</p>
          )}
        </div>
        {patient && (
          <div className="patient-header__status">
            <TrafficLight openAlerts={patient.openAlerts} />
            <LastMeasurement at={patient.lastMeasurementAt} className="patient-header__last" />
            <GatewayStatus gateway={patient.gateway} />
            <AdherenceText adherence={patient.adherence} className="patient-header__adherence" />
          </div>
        )}
      </div>

      {isNotFound ? (
        <>
          <p className="notice notice--info">{t('patient.notFound')}</p>
          {canBreakTheGlass && <EmergencyAccess patientId={patientId} />}
        </>
      ) : (
        <QueryState
          query={{
            data: isReady ? true : undefined,
            isError: patientQuery.isError || readingsQuery.isError,
            error: patientQuery.error ?? readingsQuery.error,
            refetch: async () => {
              await Promise.all([patientQuery.refetch(), readingsQuery.refetch()])
            },
          }}
          errorMessage={t('patient.loadError')}
        />
      )}

      {/* the handover note first, where the next shift opens the patient (issue 20, docs/decisions/0034) */}
      {isReady && <HandoverSection patientId={patientId} canWrite={hasRole(session, ['nurse', 'clinician'])} />}
      {isReady && (
        <section
          className="measurements"
          aria-labelledby="measurements-heading"
          aria-busy={readingsQuery.isFetching || undefined}
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
      {isReady && patient && (
        <ServiceCourseSection patientId={patientId} openAlertCount={patient.openAlerts.red + patient.openAlerts.yellow} />
      )}
      {isReady && patient?.serviceState !== 'ended' && <MeasuringPlanSection patientId={patientId} />}
      {isReady && patient?.serviceState !== 'ended' && (
        <ThresholdProposalsSection patientId={patientId} canChange={hasRole(session, ['nurse', 'clinician'])} />
      )}
      {isReady && <PatientRulesSection patientId={patientId} />}
      {isReady && <CareTeamSection patientId={patientId} />}
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
