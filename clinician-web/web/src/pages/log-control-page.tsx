import type { AuditEntry, AuditFlag } from '@varde/api-contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { controlReportUrl, controlSummaryUrl, listLogEntries, logExportUrl, reviewLogEntry, type LogFilter } from '../api/log-control'
import { queryKeys } from '../api/query-keys'
import { QueryState } from '../components/query-state'
import { errorText } from '../i18n/error-text'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { useSignedInSession } from '../session/session-context'
import { usePageTitle } from './use-page-title'

/**
 * Log control (loggkontroll, issue 19) for the privacy officer: the tenant's
 * access log filtered by patient, user, time, action and outcome, the flags
 * that raise an entry for review, a review with a note per entry (the server
 * logs it too), the export of the filtered log (CSV, JSON lines) and the
 * monthly control report (its figures as PDF or CSV, its flagged entries as CSV).
 */
export function LogControlPage() {
  const { t, locale } = useI18n()
  const session = useSignedInSession()
  usePageTitle(t('logControl.title'))
  const [draft, setDraft] = useState<LogFilter>({ show: 'open' })
  const [filter, setFilter] = useState<LogFilter>({ show: 'open' })
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7))
  const id = useId()
  const query = useQuery({
    queryKey: queryKeys.logEntries(filter),
    queryFn: ({ signal }) => listLogEntries(filter, signal),
  })
  const apply = (event: FormEvent) => {
    event.preventDefault()
    setFilter({
      ...draft,
      ...(draft.from ? { from: new Date(draft.from).toISOString() } : {}),
      ...(draft.to ? { to: new Date(draft.to).toISOString() } : {}),
    })
  }
  const field = (key: 'patient' | 'user' | 'action', label: MessageKey) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{t(label)}</label>
      <input
        id={`${id}-${key}`}
        value={draft[key] ?? ''}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value.trim() || undefined })}
      />
    </div>
  )
  return (
    <div className="page page--log-control">
      <h1 tabIndex={-1}>{t('logControl.title')}</h1>
      <p>{t('logControl.intro', { tenant: session.tenant.name })}</p>
      <form className="log-filter" onSubmit={apply} aria-label={t('logControl.filters')}>
        {field('patient', 'logControl.patient')}
        {field('user', 'logControl.user')}
        {field('action', 'logControl.action')}
        <div className="field">
          <label htmlFor={`${id}-from`}>{t('logControl.from')}</label>
          <input id={`${id}-from`} type="datetime-local" value={draft.from ?? ''} onChange={(e) => setDraft({ ...draft, from: e.target.value || undefined })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>{t('logControl.to')}</label>
          <input id={`${id}-to`} type="datetime-local" value={draft.to ?? ''} onChange={(e) => setDraft({ ...draft, to: e.target.value || undefined })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-outcome`}>{t('logControl.outcome')}</label>
          <select
            id={`${id}-outcome`}
            value={draft.outcome ?? ''}
            onChange={(e) => setDraft({ ...draft, outcome: (e.target.value || undefined) as LogFilter['outcome'] })}
          >
            <option value="">{t('logControl.outcome.any')}</option>
            <option value="allowed">{t('logControl.outcome.allowed')}</option>
            <option value="denied">{t('logControl.outcome.denied')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-show`}>{t('logControl.show')}</label>
          <select id={`${id}-show`} value={draft.show} onChange={(e) => setDraft({ ...draft, show: e.target.value as LogFilter['show'] })}>
            <option value="open">{t('logControl.show.open')}</option>
            <option value="flagged">{t('logControl.show.flagged')}</option>
            <option value="all">{t('logControl.show.all')}</option>
          </select>
        </div>
        <button type="submit" className="button button--primary">{t('logControl.apply')}</button>
      </form>
      <p className="log-report">
        <label htmlFor={`${id}-month`}>{t('logControl.reportMonth')}</label>{' '}
        <input id={`${id}-month`} type="month" value={month} onChange={(e) => setMonth(e.target.value)} />{' '}
        <a className="button" href={controlSummaryUrl(month, 'pdf')} download>{t('logControl.summaryPdf')}</a>
        <a className="button" href={controlSummaryUrl(month, 'csv')} download>{t('logControl.summaryCsv')}</a>
        <a className="button" href={controlReportUrl(month)} download>{t('logControl.report')}</a>
      </p>
      <section aria-labelledby={`${id}-entries`} aria-busy={query.isFetching || undefined}>
        <h2 id={`${id}-entries`}>{t('logControl.entries')}</h2>
        <p className="log-report">
          <span>{t('logControl.exportIntro')}</span>
          <a className="button" href={logExportUrl(filter, 'csv')} download>{t('logControl.exportCsv')}</a>
          <a className="button" href={logExportUrl(filter, 'jsonl')} download>{t('logControl.exportJsonl')}</a>
        </p>
        <QueryState query={query} errorMessage={t('logControl.loadError')} />
        {query.data?.length === 0 && <p>{t('logControl.empty')}</p>}
        <ul className="log-entries">
          {query.data?.map((entry) => (
            <LogEntryItem key={entry.id} entry={entry} locale={locale} />
          ))}
        </ul>
      </section>
    </div>
  )
}

function LogEntryItem({ entry, locale }: { entry: AuditEntry; locale: string }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const [isReviewing, setIsReviewing] = useState(false)
  const [note, setNote] = useState('')
  const id = useId()
  const mutation = useMutation({
    mutationFn: () => reviewLogEntry(entry.id, note.trim()),
    onSuccess: async () => {
      setIsReviewing(false)
      await queryClient.invalidateQueries({ queryKey: queryKeys.logEntriesAll })
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    mutation.mutate()
  }
  return (
    <li className="log-entry" aria-labelledby={`${id}-head`}>
      <h3 id={`${id}-head`} className="log-entry__head">
        <span>{formatDateTime(entry.at, locale)}</span> · <span>{entry.actorName ?? entry.actor}</span>
        {entry.actorRole && <span className="log-entry__role"> ({roleText(entry.actorRole, t)})</span>}
      </h3>
      <dl className="log-entry__facts">
        <div><dt>{t('logControl.col.patient')}</dt><dd>{entry.patientName ?? entry.patientId ?? '–'}</dd></div>
        <div><dt>{t('logControl.col.what')}</dt><dd>{entry.action} · {entry.resourceType} · {t(`logControl.outcome.${entry.outcome}`)}</dd></div>
        <div><dt>{t('logControl.col.why')}</dt><dd>{entry.flags.includes('emergency') ? purposeText('emergency', t) : entry.purpose ? purposeText(entry.purpose, t) : '–'}{entry.reason ? `: «${entry.reason}»` : ''}</dd></div>
        {entry.flags.length > 0 && (
          <div>
            <dt>{t('logControl.col.flags')}</dt>
            <dd>
              <ul className="flags">
                {entry.flags.map((f: AuditFlag) => <li key={f} className={`flag flag--${f}`}>{t(`flag.${f}`)}</li>)}
              </ul>
            </dd>
          </div>
        )}
        {entry.flags.length > 0 && (
          <div>
            <dt>{t('logControl.col.review')}</dt>
            <dd>
              {entry.review
                ? t('logControl.reviewed', { who: entry.review.reviewedBy, time: formatDateTime(entry.review.reviewedAt, locale), note: entry.review.note })
                : t('logControl.notReviewed')}
            </dd>
          </div>
        )}
      </dl>
      {entry.flags.length > 0 && !entry.review && !isReviewing && (
        <button type="button" className="button" onClick={() => setIsReviewing(true)} aria-label={t('logControl.reviewOf', { id: entry.id })}>
          {t('logControl.review')}
        </button>
      )}
      {isReviewing && (
        <form className="log-review" onSubmit={submit}>
          <label htmlFor={`${id}-note`}>{t('logControl.note')}</label>
          <textarea id={`${id}-note`} value={note} required maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
          {mutation.isError && <p className="notice notice--error" role="alert">{t('logControl.reviewFailed')} {errorText(mutation.error, t)}</p>}
          <button type="submit" className="button button--primary" disabled={mutation.isPending}>{t('logControl.markReviewed')}</button>
        </form>
      )}
    </li>
  )
}

const ROLES = ['nurse', 'clinician', 'admin', 'privacy-officer', 'patient', 'gp'] as const
export function roleText(role: string, t: ReturnType<typeof useI18n>['t']): string {
  return role.split(',').map((r) => ((ROLES as readonly string[]).includes(r) ? t(`role.${r as (typeof ROLES)[number]}`) : r)).join(', ')
}

const PURPOSES = ['care', 'emergency', 'patient', 'control', 'admin', 'service'] as const
export function purposeText(purpose: string, t: ReturnType<typeof useI18n>['t']): string {
  return (PURPOSES as readonly string[]).includes(purpose) ? t(`purpose.${purpose as (typeof PURPOSES)[number]}`) : purpose
}
