import type { ThresholdProposals } from '@varde/api-contract'
import './service-course.css'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { queryKeys } from '../api/query-keys'
import { changePatientRule } from '../api/rules'
import { getThresholdProposals } from '../api/service-course'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { formatLimitValue } from './rule-bands'
import { vitalLabel } from './vital-groups'

type Proposal = ThresholdProposals['proposals'][number]
interface LimitJson { value: number; isInclusive: boolean }
interface VitalJson { vital: string; red: { low?: LimitJson; high?: LimitJson }; yellow: { low?: LimitJson; high?: LimitJson } }

/**
 * Personal thresholds proposed after the start-up period (issue 17): each
 * with the readings it rests on and what it would have done, the alerts it
 * and the current limits raise over the period when the rules replay the
 * stored readings. Nothing changes until a clinician or nurse accepts, which
 * stores the rule's next version with who and why (PUT …/rules/:ruleId).
 */
export function ThresholdProposalsSection({ patientId, canChange }: { patientId: string; canChange: boolean }) {
  const { t } = useI18n()
  const id = useId()
  const query = useQuery({ queryKey: queryKeys.proposals(patientId), queryFn: ({ signal }) => getThresholdProposals(patientId, signal) })
  const data = query.data
  if (!data?.isStartupOver || data.proposals.length === 0) return null
  return (
    <section className="panel proposals" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('proposal.title')}</h2>
      <p className="muted">{t('proposal.intro')}</p>
      {data.proposals.map((p) => (
        <ProposalCard key={p.ruleId} patientId={patientId} proposal={p} data={data} canChange={canChange} />
      ))}
    </section>
  )
}

function ProposalCard({ patientId, proposal, data, canChange }: { patientId: string; proposal: Proposal; data: ThresholdProposals; canChange: boolean }) {
  const { t, tp, locale, language } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [reason, setReason] = useState(t('proposal.defaultReason'))
  const [error, setError] = useState<string | null>(null)
  const [isAccepted, setAccepted] = useState(false)
  const vitals = ((proposal.params as { vitals?: VitalJson[] }).vitals ?? []).filter((v) => proposal.basis.some((b) => b.vital === v.vital))
  const current = data.current.filter((a) => a.alertKey === proposal.ruleId)
  const limit = (vital: string, l: LimitJson | undefined, side: 'low' | 'high') =>
    l ? `${side === 'low' ? (l.isInclusive ? '≤' : '<') : l.isInclusive ? '≥' : '>'} ${formatLimitValue(vital, l.value, locale)}` : null

  async function accept() {
    setError(null)
    try {
      await changePatientRule(patientId, proposal.ruleId, { params: proposal.params, reason: reason.trim() || t('proposal.defaultReason') })
      setAccepted(true)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.rules(patientId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.proposals(patientId) }),
      ])
    } catch (e) {
      setError(errorText(e, t))
    }
  }

  return (
    <article className="proposal" aria-labelledby={`${id}-h`} data-testid={`proposal-${proposal.ruleId}`}>
      <h3 id={`${id}-h`}>{vitals.map((v) => vitalLabel(v.vital, language)).join(', ')}</h3>
      {proposal.basis.map((b) => (
        <p key={b.vital} className="muted">
          {t('proposal.basis', {
            count: b.readings,
            median: formatLimitValue(b.vital, b.median, locale),
            low: formatLimitValue(b.vital, b.low, locale),
            high: formatLimitValue(b.vital, b.high, locale),
          })}
        </p>
      ))}
      <dl className="facts">
        {vitals.flatMap((v) =>
          (['yellow', 'red'] as const).map((sev) => {
            const text = [limit(v.vital, v[sev].low, 'low'), limit(v.vital, v[sev].high, 'high')].filter(Boolean).join(t('proposal.or'))
            return (
              <div key={`${v.vital}-${sev}`} className="facts__row">
                <dt>{t(`proposal.${sev}`)}</dt>
                <dd>{text || '–'}</dd>
              </div>
            )
          }),
        )}
      </dl>
      <p data-testid="what-if">
        {tp('proposal.whatIfProposed', proposal.proposed.length)} {tp('proposal.whatIfCurrent', current.length)}
      </p>
      {isAccepted ? (
        <p className="notice notice--success" role="status">
          {t('proposal.accepted')}
        </p>
      ) : (
        canChange && (
          <div className="form-stack">
            <div className="field">
              <label htmlFor={`${id}-reason`}>{t('proposal.reason')}</label>
              <input id={`${id}-reason`} type="text" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
            <p className="muted">{t('proposal.editHint')}</p>
            <div className="button-row">
              <button type="button" className="button button--primary" onClick={() => void accept()}>
                {t('proposal.accept')}
              </button>
            </div>
            {error && (
              <p className="notice notice--error" role="alert">
                {error}
              </p>
            )}
          </div>
        )
      )}
    </article>
  )
}
