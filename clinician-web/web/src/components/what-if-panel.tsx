import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useState } from 'react'
import { queryKeys } from '../api/query-keys'
import { whatIfPatientRule, type WhatIf } from '../api/rules'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { WhatIfReadings } from './what-if-readings'

/** How long the value must rest before it is replayed: one replay per pause in typing, not per key. */
export const WHAT_IF_DEBOUNCE_MS = 500

type Summary = WhatIf['current']

/** Readings the rule counted as out of its limits: the findings of its alerts (one per measurement). */
function alertingReadings(summary: Summary, ruleId: string): number {
  return summary.alerts.filter((a) => a.ruleId === ruleId).reduce((n, a) => n + a.count, 0)
}

/**
 * What a rule's new setting would have done (issue 20's what-if, ADR 0036),
 * beside the form that edits it: the patient's last 30 days of stored readings
 * replayed by the rules engine on the server with the rule as it is and as
 * typed (nothing stored): alerts, episodes, and the readings that would now
 * alert or now pass. Asked again when the value rests; the last answer stays
 * while the next is on its way. `params` null: the value is not a setting yet.
 */
export function WhatIfPanel({ patientId, ruleId, params }: { patientId: string; ruleId: string; params: Record<string, unknown> | null }) {
  const { t, tp } = useI18n()
  const id = useId()
  const change = params ? JSON.stringify(params) : null
  const [settled, setSettled] = useState(change)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(change), WHAT_IF_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [change])
  const query = useQuery({
    queryKey: queryKeys.whatIf(patientId, ruleId, settled ?? ''),
    queryFn: ({ signal }) => whatIfPatientRule(patientId, ruleId, { params: JSON.parse(settled ?? '{}') as Record<string, unknown> }, signal),
    enabled: settled !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
  })
  const data = query.data
  const isPending = change !== settled || query.isFetching
  const status = settled === null
    ? t('whatIf.notValid')
    : query.isError
      ? t('whatIf.error', { message: errorText(query.error, t) })
      : isPending || !data
        ? t('whatIf.working')
        : t('whatIf.done', { readings: data.readings })

  const current = data ? alertingReadings(data.current, ruleId) : 0
  const proposed = data ? alertingReadings(data.proposed, ruleId) : 0
  const rows = data
    ? [
        { key: 'alerts', label: t('whatIf.row.alerts'), current: data.current.alerts.length, proposed: data.proposed.alerts.length },
        { key: 'episodes', label: t('whatIf.row.episodes'), current: data.current.episodes, proposed: data.proposed.episodes },
        { key: 'readings', label: t('whatIf.row.readings'), current, proposed },
      ]
    : []
  return (
    <section className="what-if" aria-labelledby={`${id}-h`} data-testid="what-if-panel" aria-busy={isPending || undefined}>
      <h4 id={`${id}-h`}>{t('whatIf.title')}</h4>
      <p className="what-if__status muted" role="status">{status}</p>
      {data && (
        <>
          <table className="what-if__table">
            <caption className="visually-hidden">{t('whatIf.caption')}</caption>
            <thead>
              <tr>
                <td />
                <th scope="col">{t('whatIf.current')}</th>
                <th scope="col">{t('whatIf.proposed')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-row={r.key}>
                  <th scope="row">{r.label}</th>
                  <td>{r.current}</td>
                  <td className={r.proposed === r.current ? undefined : r.proposed < r.current ? 'what-if__fewer' : 'what-if__more'}>{r.proposed}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="what-if__change" data-testid="what-if-change">
            {proposed < current
              ? tp('whatIf.nowPass', current - proposed)
              : proposed > current
                ? tp('whatIf.nowAlert', proposed - current)
                : t('whatIf.same')}
          </p>
          <WhatIfReadings lists={data.readingChanges} />
        </>
      )}
    </section>
  )
}
