import { useQuery } from '@tanstack/react-query'
import { getAccessReport } from '../api/log-control'
import { queryKeys } from '../api/query-keys'
import { QueryState } from '../components/query-state'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { purposeText, roleText } from './log-control-page'
import { usePageTitle } from './use-page-title'

const WHAT: Record<string, MessageKey> = {
  read: 'accessReport.what.read',
  list: 'accessReport.what.list',
  search: 'accessReport.what.search',
  change: 'accessReport.what.change',
  'emergency-access': 'accessReport.what.emergency-access',
  forward: 'accessReport.what.forward',
  push: 'accessReport.what.push',
}

/**
 * The patient's own access report (innsyn i logg, issue 19): who has seen
 * or received my data, when and why, in plain words. A page of its own so
 * the patient portal to come can take it as it is.
 */
export function AccessReportPage() {
  const { t, locale } = useI18n()
  usePageTitle(t('accessReport.title'))
  const query = useQuery({ queryKey: queryKeys.accessReport, queryFn: ({ signal }) => getAccessReport(signal) })
  return (
    <div className="page page--access-report">
      <h1 tabIndex={-1}>{t('accessReport.title')}</h1>
      <p>{t('accessReport.intro')}</p>
      <QueryState query={query} errorMessage={t('accessReport.loadError')} />
      {query.data?.items.length === 0 && <p>{t('accessReport.empty')}</p>}
      <ol className="access-report">
        {query.data?.items.map((e) => (
          <li key={e.id} className="access-report__item">
            <p className="access-report__when">{formatDateTime(e.at, locale)}</p>
            <p>
              {t(e.role ? 'accessReport.line' : 'accessReport.lineWithoutRole', {
                who: e.organisation ? `${e.who}, ${e.organisation}` : e.who,
                role: e.role ? roleText(e.role, t) : '',
                what: WHAT[e.action] ? t(WHAT[e.action]!) : t('accessReport.what.other', { action: e.action }),
              })}
            </p>
            {e.purpose && <p>{t('accessReport.why', { why: purposeText(e.purpose, t) })}</p>}
            {e.reason && <p>{t('accessReport.reason', { reason: e.reason })}</p>}
          </li>
        ))}
      </ol>
    </div>
  )
}

