import type { Alert, Measurement, MeasurementEvent, Patient, Trend } from '@varde/api-contract'
import type { VitalType } from '@varde/domain'
import { keepPreviousData, useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useMemo, useRef, useState } from 'react'
import { Link } from 'react-router'
import { listAlertsOfPatient } from '../api/alerts'
import { isApiError } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import { getPatient } from '../api/patients'
import { queryKeys } from '../api/query-keys'
import { getPatientRules } from '../api/rules'
import { getTrend } from '../api/trends'
import { markersFor, type AlertMarker } from '../components/alert-markers'
import { mergeLatest, type ChartRow } from '../components/chart-rows'
import { bandsByVital } from '../components/threshold-bands'
import { appendReadings, buildTrendRows } from '../components/trend-rows'
import { TrendControls } from '../components/trend-controls'
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
import { formatVital, groupsFor, vitalLabel, type VitalGroup } from '../components/vital-groups'
import { formatDateTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'
import { paths } from '../routes'
import { customRange, presetRange, type TrendRange } from './range-days'
import { usePageTitle } from './use-page-title'

const NO_ALERTS: Alert[] = []
const NO_MARKERS: AlertMarker[] = []

/** Live readings kept for merging into a refetch that may have started before they were stored. */
const LIVE_BUFFER = 500

/**
 * One patient's trends (issue 21): a chart and a table per vital type from
 * the trend endpoint (at most ~1,000 points, min/max envelopes when
 * aggregated), the patient's bands behind each, alert markers, zoom by
 * dragging, appended live as readings arrive. Mount it with
 * `key={patientId}` so another patient starts afresh.
 */
export function PatientPage({ patientId }: { patientId: string }) {
  const i18n = useI18n()
  const { t, locale, language } = i18n
  const queryClient = useQueryClient()
  const [range, setRange] = useState<TrendRange>(() => presetRange(7, Date.now()))
  /** The range before a zoom, for "back". */
  const [unzoomed, setUnzoomed] = useState<TrendRange | null>(null)
  const [isTableView, setTableView] = useState(false)
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
  const patient = patientQuery.data ?? null
  // the vitals she has ever measured (her latest values), and any that arrived live since
  const [liveTypes, setLiveTypes] = useState<readonly string[]>([])
  const groups = useMemo(
    () => groupsFor([...Object.keys(patient?.latest ?? {}), ...liveTypes]),
    [patient, liveTypes],
  )
  const vitals = useMemo(() => groups.flatMap((g) => g.types), [groups])
  const trendQueries = useQueries({
    queries: vitals.map((vital) => ({
      queryKey: queryKeys.trend(patientId, vital, range.fromMs, range.toMs),
      queryFn: async ({ signal }: { signal: AbortSignal }): Promise<Trend> => {
        const trend = await getTrend(patientId, vital, range, signal)
        return appendReadings(trend, liveReadings.current)
      },
      // another range: the current one stays on screen (busy) until the new one is there
      placeholderData: keepPreviousData,
    })),
  })
  const rulesQuery = useQuery({
    queryKey: queryKeys.rules(patientId),
    queryFn: ({ signal }) => getPatientRules(patientId, signal),
  })
  const alertsQuery = useQuery({
    queryKey: queryKeys.chartAlerts(patientId),
    queryFn: ({ signal }) => listAlertsOfPatient(patientId, signal),
  })
  // useQueries keeps no previous data across a key change (keepPreviousData works per observer, and a
  // new key is a new observer): the last trend of each vital stays on screen, busy, until its new one is there
  const shownTrends = useRef<Partial<Record<VitalType, Trend>>>({})
  const trendData = trendQueries.map((q) => q.data)
  // recomputed when the vitals or any query's data change: compared item by item, since the number of
  // queries varies with the vitals and a hook's dependency list must keep its length
  const trendMemo = useRef<{ vitals: VitalType[]; data: (Trend | undefined)[]; trends: Partial<Record<VitalType, Trend>> } | null>(null)
  if (!trendMemo.current || trendMemo.current.vitals !== vitals || trendMemo.current.data.length !== trendData.length
    || trendMemo.current.data.some((d, i) => d !== trendData[i])) {
    const result: Partial<Record<VitalType, Trend>> = {}
    vitals.forEach((vital, i) => {
      const data = trendData[i] ?? shownTrends.current[vital]
      if (data) result[vital] = data
    })
    shownTrends.current = result
    trendMemo.current = { vitals, data: trendData, trends: result }
  }
  const trends = trendMemo.current.trends
  const trendError = trendQueries.find((q) => q.isError)?.error ?? null
  const isFetchingTrends = trendQueries.some((q) => q.isFetching)
  const isNotFound = [patientQuery.error, trendError].some(
    (e) => isApiError(e) && e.status === 404,
  )
  const isReady = patient !== null && vitals.every((vital) => trends[vital] !== undefined)
  const canBreakTheGlass = hasRole(session, ['nurse', 'clinician'])
  usePageTitle(patient?.displayName ?? t('patient.loading'))

  const onMeasurement = (event: MeasurementEvent) => {
    if (event.patientId !== patientId || event.readings.length === 0) return
    liveReadings.current = [...liveReadings.current, ...event.readings].slice(-LIVE_BUFFER)
    // the event has the readings: into every cached trend of this patient, no refetch
    queryClient.setQueriesData<Trend>(
      { queryKey: queryKeys.measurementsOf(patientId) },
      (current) => current && appendReadings(current, event.readings),
    )
    // a vital she never measured before: its chart at once, from the event (the refetch then confirms it)
    const known = new Set([...Object.keys(patientQuery.data?.latest ?? {}), ...liveTypes])
    const newTypes = [...new Set(event.readings.map((r) => r.type))].filter((type) => !known.has(type))
    for (const vital of newTypes) {
      const empty: Trend = {
        vital,
        resolution: 'raw',
        from: new Date(range.fromMs).toISOString(),
        to: new Date(range.toMs).toISOString(),
        points: [],
      }
      queryClient.setQueryData<Trend>(
        queryKeys.trend(patientId, vital, range.fromMs, range.toMs),
        appendReadings(empty, event.readings),
      )
    }
    if (newTypes.length > 0) setLiveTypes([...liveTypes, ...newTypes])
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
      void queryClient.invalidateQueries({ queryKey: queryKeys.chartAlerts(patientId) })
    },
  })

  const latest = useMemo(() => patient?.latest ?? {}, [patient])
  const bands = useMemo(() => bandsByVital(rulesQuery.data), [rulesQuery.data])
  const alerts = alertsQuery.data ?? NO_ALERTS
  const newestMs = Math.max(
    0,
    ...Object.values(trends).map((tr) => Date.parse(tr.points.at(-1)?.at ?? '') || 0),
  )
  // a preset reaches "now" and follows live readings; a custom range stays where it was put
  const fromMs = range.fromMs
  const toMs = range.kind === 'preset' ? Math.max(now, newestMs, range.toMs) : range.toMs
  const period = periodText(range, i18n)
  const chooseRange = (next: TrendRange) => {
    setUnzoomed(null)
    setRange(next)
  }
  // stable, so a chart whose data did not change is not drawn again (VitalSection is memoised)
  const rangeRef = useRef(range)
  rangeRef.current = range
  const zoom = useCallback((a: number, b: number) => {
    const next = customRange(a, b)
    if (!next) return
    setUnzoomed((before) => before ?? rangeRef.current)
    setRange(next)
  }, [])
  // a group's rows are rebuilt only when one of its own trends changed: the year's 1,000 points of SpO2 are not
  // redrawn because pulse arrived
  const rowsCache = useRef(new Map<string, { inputs: (Trend | undefined)[]; rows: ChartRow[] }>())
  const rowsOf = (group: VitalGroup): ChartRow[] => {
    const inputs = group.types.map((type) => trends[type])
    const cached = rowsCache.current.get(group.id)
    if (cached && cached.inputs.every((x, i) => x === inputs[i])) return cached.rows
    const rows = buildTrendRows(group, trends)
    rowsCache.current.set(group.id, { inputs, rows })
    return rows
  }
  const markersByGroup = useMemo(
    () => new Map(groups.map((g) => [g.id, markersFor(g, alerts, fromMs, toMs)])),
    [groups, alerts, fromMs, toMs],
  )

  const heading = isNotFound
    ? t('notFound.title')
    : (patientQuery.isError || trendError !== null) && !patient
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
            isError: patientQuery.isError || trendError !== null,
            error: patientQuery.error ?? trendError,
            refetch: async () => {
              await Promise.all([patientQuery.refetch(), ...trendQueries.map((q) => q.refetch())])
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
          aria-busy={isFetchingTrends || undefined}
        >
          <div className="measurements__header">
            <h2 id="measurements-heading">{t('patient.measurements')}</h2>
            <TrendControls
              range={range}
              onRange={chooseRange}
              unzoomed={unzoomed}
              isTableView={isTableView}
              onTableView={setTableView}
            />
          </div>
          <p className="print-only trend-print-header">
            {patient?.displayName} · {period} ·{' '}
            {t('chart.printedAt', { time: formatDateTime(now, locale) })}
          </p>
          {groups.length === 0 ? (
            <p className="empty">{t('patient.noVitals')}</p>
          ) : (
            groups.map((group) => (
              <VitalSection
                key={group.id}
                group={group}
                rows={rowsOf(group)}
                latest={latest}
                fromMs={fromMs}
                toMs={toMs}
                period={period}
                resolution={group.types.map((type) => trends[type]?.resolution).find((r) => r !== undefined) ?? 'raw'}
                bands={bands.get(group.types[0] ?? '')}
                bins={trends[group.types[0] as VitalType]?.bins}
                markers={markersByGroup.get(group.id) ?? NO_MARKERS}
                isTableView={isTableView}
                onZoom={zoom}
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

/** "siste 7 dager", "siste år", "1. mars 2026, 08:00 – 3. mars 2026, 12:00": the range in words. */
function periodText(range: TrendRange, i18n: I18n): string {
  if (range.kind === 'preset') return i18n.t(`chart.period.${range.days}`)
  return i18n.t('chart.period.custom', {
    from: formatDateTime(range.fromMs, i18n.locale),
    to: formatDateTime(range.toMs, i18n.locale),
  })
}

function newestOf(current: string | null, readings: readonly Measurement[]): string | null {
  return readings.reduce<string | null>(
    (a, r) => (a === null || Date.parse(r.measuredAt) > Date.parse(a) ? r.measuredAt : a),
    current,
  )
}
