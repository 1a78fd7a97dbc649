import type { Episode, ShiftAssignment, ShiftView } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type ReactNode } from 'react'
import { Link } from 'react-router'
import { assignShift, getShift } from '../api/shift'
import { queryKeys } from '../api/query-keys'
import { HandoverText } from '../components/handover-section'
import { QueryState } from '../components/query-state'
import { errorText } from '../i18n/error-text'
import { formatDateTime, formatTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { usePageTitle } from './use-page-title'
import '../components/service-course.css'
import '../components/shift.css'

const SPANS = ['shift', 'day', 'three-days'] as const
type Span = (typeof SPANS)[number]
const HOURS: Record<Exclude<Span, 'shift'>, number> = { day: 24, 'three-days': 72 }

/**
 * The nurse's shift (issue 20, docs/decisions/0034): what happened since the
 * last shift — handover notes first, then new and worsened episodes, the
 * resolved ones, missed measurements and new patients — and who is on which
 * patient now, the nurse's own first. "Since" is the start of the shift
 * before this one unless the nurse asks for the last day or three.
 */
export function ShiftPage() {
  const { t } = useI18n()
  const id = useId()
  const [span, setSpan] = useState<Span>('shift')
  // the span's start is fixed when chosen, so the query key (and the answer) stays put until the nurse changes it
  const [since, setSince] = useState<string | null>(null)
  usePageTitle(t('shift.title'))
  const shift = useQuery({ queryKey: queryKeys.shiftSince(since), queryFn: ({ signal }) => getShift(since, signal) })
  const choose = (next: Span) => {
    setSpan(next)
    setSince(next === 'shift' ? null : new Date(Date.now() - HOURS[next] * 3600_000).toISOString())
  }
  const v = shift.data
  return (
    <div className="page page--shift">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('shift.title')}</h1>
      </div>
      {v && <ShiftHeading view={v} />}
      <fieldset className="segmented">
        <legend className="segmented__legend">{t('shift.since')}</legend>
        {SPANS.map((s) => (
          <label key={s} className="segmented__option">
            <input type="radio" name={`${id}-span`} value={s} checked={span === s} onChange={() => choose(s)} />
            <span>{t(`shift.span.${s}`)}</span>
          </label>
        ))}
      </fieldset>
      <QueryState query={shift} errorMessage={t('shift.loadError')} />
      {v && <ShiftBody view={v} />}
    </div>
  )
}

function ShiftHeading({ view }: { view: ShiftView }) {
  const { t, locale } = useI18n()
  return (
    <p className="page__note" data-testid="shift-window">
      {t('shift.now', {
        shift: t(`shift.name.${view.current.shift}`),
        from: formatTime(view.current.startsAt, locale), to: formatTime(view.current.endsAt, locale),
      })}{' '}
      {t('shift.showingSince', { since: formatDateTime(view.since, locale) })}
    </p>
  )
}

function ShiftBody({ view }: { view: ShiftView }) {
  const { t, tp, locale } = useI18n()
  const changed = [...view.newEpisodes.map((e) => ({ e, how: 'new' as const })), ...view.worsenedEpisodes.map((e) => ({ e, how: 'worsened' as const }))]
  return (
    <>
      <Section title={t('shift.handovers')} testId="shift-handovers" empty={t('shift.handovers.none')} count={view.handovers.length}>
        <ul className="shift__list">
          {view.handovers.map((n) => (
            <li key={n.id} className="shift__item">
              <Link to={paths.patient(n.patientId)} className="shift__patient">{n.patientName}</Link>
              <HandoverText note={n} />
            </li>
          ))}
        </ul>
      </Section>

      <Section title={t('shift.changed')} testId="shift-changed" empty={t('shift.changed.none')} count={changed.length}>
        <ul className="shift__list">
          {changed.map(({ e, how }) => <EpisodeLine key={e.id} episode={e} how={how} />)}
        </ul>
      </Section>

      <Section title={t('shift.resolved')} testId="shift-resolved" empty={t('shift.resolved.none')} count={view.resolvedEpisodes.length}>
        <ul className="shift__list">
          {view.resolvedEpisodes.map((e) => <EpisodeLine key={e.id} episode={e} how="resolved" />)}
        </ul>
      </Section>

      <Section title={t('shift.missed')} testId="shift-missed" empty={t('shift.missed.none')} count={view.missedMeasurements.length}>
        <ul className="shift__list">
          {view.missedMeasurements.map((p) => (
            <li key={p.id} className="shift__item shift__item--row">
              <Link to={paths.patient(p.id)} className="shift__patient">{p.displayName}</Link>
              <span className="muted">{t('shift.missedSince', { when: formatDateTime(p.at, locale) })}</span>
            </li>
          ))}
        </ul>
      </Section>

      <Section title={t('shift.newPatients')} testId="shift-new-patients" empty={t('shift.newPatients.none')} count={view.newPatients.length}>
        <ul className="shift__list">
          {view.newPatients.map((p) => (
            <li key={p.id} className="shift__item shift__item--row">
              <Link to={paths.patient(p.id)} className="shift__patient">{p.displayName}</Link>
              <span className="muted">{t('shift.enrolled', { when: formatDateTime(p.at, locale) })}</span>
            </li>
          ))}
        </ul>
      </Section>

      <Assignments view={view} />
      <p className="muted">{tp('shift.patientsTotal', view.mine.length + view.others.length + view.unassigned.length)}</p>
    </>
  )
}

function Section({ title, testId, empty, count, children }: { title: string; testId: string; empty: string; count: number; children: ReactNode }) {
  const id = useId()
  return (
    <section className="panel shift__section" aria-labelledby={`${id}-h`} data-testid={testId}>
      <h2 id={`${id}-h`}>{title} <span className="shift__count">({count})</span></h2>
      {count === 0 ? <p className="empty">{empty}</p> : children}
    </section>
  )
}

function EpisodeLine({ episode: e, how }: { episode: Episode; how: 'new' | 'worsened' | 'resolved' }) {
  const { t, locale } = useI18n()
  const summary = e.alerts.at(-1)?.summary ?? e.topic
  return (
    <li className="shift__item" data-testid="shift-episode" data-episode={e.id}>
      <div className="shift__item--row">
        <Link to={paths.patient(e.patientId)} className="shift__patient">{e.patientName}</Link>
        <span className={`shift__badge severity--${e.severity}`}>{t(`shift.severity.${e.severity}`)}</span>
        <span className="shift__how">{t(`shift.how.${how}`)}</span>
      </div>
      <p className="shift__summary">{summary}</p>
      <p className="muted">{t('shift.episodeTimes', { first: formatDateTime(e.firstTriggeredAt, locale), latest: formatDateTime(e.lastTriggeredAt, locale) })}</p>
    </li>
  )
}

/** Who is on which patient this shift: the nurse's own, the others', those on no one's list; the shift leader assigns. */
function Assignments({ view }: { view: ShiftView }) {
  const { t } = useI18n()
  const id = useId()
  return (
    <section className="panel shift__section" aria-labelledby={`${id}-h`} data-testid="shift-assignments">
      <h2 id={`${id}-h`}>{t('shift.assignments')}</h2>
      <AssignmentGroup title={t('shift.mine')} empty={t('shift.mine.none')} rows={view.mine.map(toRow)} view={view} />
      <AssignmentGroup title={t('shift.others')} empty={t('shift.others.none')} rows={view.others.map(toRow)} view={view} />
      <AssignmentGroup title={t('shift.unassigned')} empty={t('shift.unassigned.none')} rows={view.unassigned.map((p) => ({ patientId: p.id, patientName: p.displayName, nurse: null }))} view={view} />
    </section>
  )
}

interface Row { patientId: string; patientName: string; nurse: { id: string; displayName: string } | null }
const toRow = (a: ShiftAssignment): Row => ({ patientId: a.patientId, patientName: a.patientName, nurse: a.nurse })

function AssignmentGroup({ title, empty, rows, view }: { title: string; empty: string; rows: Row[]; view: ShiftView }) {
  return (
    <div className="shift__group">
      <h3>{title}</h3>
      {rows.length === 0 ? <p className="empty">{empty}</p> : (
        <ul className="shift__list">
          {rows.map((r) => <AssignmentRow key={r.patientId} row={r} view={view} />)}
        </ul>
      )}
    </div>
  )
}

function AssignmentRow({ row, view }: { row: Row; view: ShiftView }) {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const change = async (userId: string | null) => {
    setError(null)
    try {
      await assignShift(row.patientId, userId)
      await queryClient.invalidateQueries({ queryKey: queryKeys.shift })
    } catch (e) {
      setError(errorText(e, t))
    }
  }
  return (
    <li className="shift__item shift__item--row shift__assignment" data-testid="shift-assignment" data-patient={row.patientId}>
      <Link to={paths.patient(row.patientId)} className="shift__patient">{row.patientName}</Link>
      {view.canAssign ? (
        <span className="field field--inline shift__assign">
          <label htmlFor={`${id}-nurse`} className="visually-hidden">{t('shift.nurseFor', { patient: row.patientName })}</label>
          <select id={`${id}-nurse`} value={row.nurse?.id ?? ''} onChange={(e) => void change(e.target.value || null)}>
            <option value="">{t('shift.nobody')}</option>
            {view.nurses.map((n) => <option key={n.id} value={n.id}>{n.displayName}</option>)}
          </select>
        </span>
      ) : (
        <span>{row.nurse?.displayName ?? t('shift.nobody')}</span>
      )}
      {error && <p className="notice notice--error" role="alert">{error}</p>}
    </li>
  )
}
