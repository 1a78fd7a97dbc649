import { PATIENT_CONDITIONS, type Condition } from '@varde/api-contract'
import { CONDITION_PROFILES, type Band, type BandSide, type Severity, type ThresholdParams } from '@varde/domain'
import { useId, useState, type FormEvent } from 'react'
import { whatIfTenant, type TenantWhatIf } from '../api/rules'
import { parseLimitInput } from '../components/threshold-form'
import { formatLimitNumber, unitOfVital } from '../components/rule-bands'
import { displayUnit, vitalLabel } from '../components/vital-groups'
import { errorText } from '../i18n/error-text'
import { formatNumber } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { usePageTitle } from './use-page-title'
import '../components/patient-rules.css'
import './admin.css'

type LimitKey = `${string}:${Severity}-${BandSide}`
const SEVERITIES = ['red', 'yellow'] as const
const SIDES = ['low', 'high'] as const

/** The threshold rules a condition's profile sets (the limits the page drafts). */
function thresholdRulesOf(condition: Condition) {
  return CONDITION_PROFILES[condition].rules.filter((r) => r.kind === 'threshold').map((r) => ({ id: r.id, params: r.params as ThresholdParams }))
}

/**
 * The tenant administrator's what-if (issue 20): a condition profile's limits
 * drafted here (nothing is stored) and replayed by the server over the last
 * 30 days of every patient with the condition (POST /api/admin/what-if, the
 * rules engine's own replay): alerts and episodes a day with the limits as
 * they are and with the draft, per condition, and the patients the draft
 * moves most. The server bounds the replay in time and says when it stopped
 * early; the page says so in words.
 */
export function AdminWhatIfPage() {
  const { t, locale, language } = useI18n()
  usePageTitle(t('adminWhatIf.title'))
  const id = useId()
  const [condition, setCondition] = useState<Condition>('copd')
  const rules = thresholdRulesOf(condition)
  const [ruleId, setRuleId] = useState(rules[0]?.id ?? '')
  const rule = rules.find((r) => r.id === ruleId) ?? rules[0]
  const initialValues = (params: ThresholdParams | undefined) => {
    const values: Record<LimitKey, string> = {}
    for (const b of params?.vitals ?? [])
      for (const severity of SEVERITIES)
        for (const side of SIDES) {
          const limit = b[severity][side]
          values[`${b.vital}:${severity}-${side}`] = limit ? formatLimitNumber(b.vital, limit.value, locale).replace(/\s/g, '') : ''
        }
    return values
  }
  const [values, setValues] = useState<Record<LimitKey, string>>(() => initialValues(rule?.params))
  const [answer, setAnswer] = useState<{ data: TenantWhatIf; condition: Condition } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isWorking, setWorking] = useState(false)

  const choose = (nextCondition: Condition, nextRuleId?: string) => {
    const list = thresholdRulesOf(nextCondition)
    const next = list.find((r) => r.id === nextRuleId) ?? list[0]
    setCondition(nextCondition)
    setRuleId(next?.id ?? '')
    setValues(initialValues(next?.params))
  }

  /** The drafted params, or null when a limit is not a number. */
  function draft(): ThresholdParams | null {
    if (!rule) return null
    const vitals = []
    for (const b of rule.params.vitals) {
      const band = { red: {} as Band, yellow: {} as Band }
      for (const severity of SEVERITIES)
        for (const side of SIDES) {
          const value = parseLimitInput(values[`${b.vital}:${severity}-${side}`] ?? '')
          if (value === 'invalid') return null
          if (value !== null) band[severity][side] = { value, isInclusive: b[severity][side]?.isInclusive ?? true }
        }
      vitals.push({ ...b, ...band })
    }
    return { vitals }
  }

  async function replay(event: FormEvent) {
    event.preventDefault()
    if (isWorking || !rule) return
    const params = draft()
    if (!params) {
      setError(t('whatIf.notValid'))
      return
    }
    setWorking(true)
    setError(null)
    try {
      setAnswer({ data: await whatIfTenant({ ruleId: rule.id, params, condition }), condition })
    } catch (e) {
      setError(t('whatIf.error', { message: errorText(e, t) }))
    } finally {
      setWorking(false)
    }
  }

  // two decimals, as the server rounds: a tenant's few alerts a month are 0,03 a day, not 0,0
  const perDay = (n: number) => formatNumber(n, locale, 2)
  const data = answer?.data
  return (
    <div className="page page--admin-what-if">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('adminWhatIf.title')}</h1>
      </div>
      <p className="page__note">{t('adminWhatIf.intro')}</p>
      <form className="threshold-form admin-what-if__form" onSubmit={replay} noValidate>
        <div className="admin-what-if__choose">
          <div className="field">
            <label htmlFor={`${id}-condition`}>{t('adminWhatIf.condition')}</label>
            <select id={`${id}-condition`} value={condition} onChange={(e) => choose(e.target.value as Condition)}>
              {PATIENT_CONDITIONS.map((c) => <option key={c} value={c}>{t(`condition.${c}`)}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-rule`}>{t('adminWhatIf.rule')}</label>
            <select id={`${id}-rule`} value={rule?.id ?? ''} onChange={(e) => choose(condition, e.target.value)}>
              {rules.map((r) => (
                <option key={r.id} value={r.id}>{r.params.vitals.map((b) => vitalLabel(b.vital, language)).join(', ')}</option>
              ))}
            </select>
          </div>
        </div>
        {rule?.params.vitals.map((b) => (
          <div key={b.vital} className="threshold-form__bands">
            {SEVERITIES.map((severity) => (
              <fieldset key={severity} className={`threshold-form__band threshold-form__band--${severity}`}>
                <legend>{vitalLabel(b.vital, language)}: {t(`rules.column.${severity}`)}</legend>
                {SIDES.map((side) => {
                  const key: LimitKey = `${b.vital}:${severity}-${side}`
                  return (
                    <div className="field" key={key}>
                      <label htmlFor={`${id}-${key}`}>{t(`adminWhatIf.${side}`)}</label>
                      <span className="threshold-form__input">
                        <input id={`${id}-${key}`} type="text" inputMode="decimal" autoComplete="off" value={values[key] ?? ''}
                          onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))} />
                        <span aria-hidden="true">{displayUnit(b.vital, unitOfVital(b.vital))}</span>
                      </span>
                    </div>
                  )
                })}
              </fieldset>
            ))}
          </div>
        ))}
        <div className="threshold-form__actions">
          <button type="submit" className="button button--primary" aria-disabled={isWorking || undefined}>
            {isWorking ? t('adminWhatIf.working') : t('adminWhatIf.replay')}
          </button>
        </div>
      </form>
      {error && <p className="notice notice--error" role="alert">{error}</p>}
      <div role="status" className={data ? 'what-if' : 'visually-hidden'} data-testid="admin-what-if-answer" aria-busy={isWorking || undefined}>
        {data && answer && (
          <>
            <h2>{t('adminWhatIf.answer', { condition: t(`condition.${answer.condition}`), days: data.days })}</h2>
            <p className="muted">{t('adminWhatIf.replayed', { patients: data.patientsReplayed, withRule: data.patientsWithRule, readings: data.readings, seconds: formatNumber(data.elapsedMs / 1000, locale, 1) })}</p>
            {!data.isComplete && (
              <p className="notice notice--error" data-testid="admin-what-if-incomplete">
                {t('adminWhatIf.incomplete', { seconds: formatNumber(data.budgetMs / 1000, locale, 0), done: data.patientsReplayed, all: data.patients })}
              </p>
            )}
            <table className="what-if__table">
              <caption className="visually-hidden">{t('adminWhatIf.totals')}</caption>
              <thead>
                <tr><td /><th scope="col">{t('whatIf.current')}</th><th scope="col">{t('adminWhatIf.withDraft')}</th></tr>
              </thead>
              <tbody>
                <tr><th scope="row">{t('adminWhatIf.alertsPerDay')}</th><td>{perDay(data.current.alertsPerDay)}</td><td>{perDay(data.proposed.alertsPerDay)}</td></tr>
                <tr><th scope="row">{t('adminWhatIf.episodesPerDay')}</th><td>{perDay(data.current.episodesPerDay)}</td><td>{perDay(data.proposed.episodesPerDay)}</td></tr>
              </tbody>
            </table>
            {/* scrolls inside itself on a phone: reachable by keyboard, named for a screen reader */}
            <div className="admin-what-if__scroll" tabIndex={0} role="region" aria-label={t('adminWhatIf.perCondition')}>
              <table className="what-if__table">
                <caption>{t('adminWhatIf.perCondition')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('adminWhatIf.condition')}</th>
                    <th scope="col">{t('adminWhatIf.patients')}</th>
                    <th scope="col">{t('adminWhatIf.alertsPerDay')}</th>
                    <th scope="col">{t('adminWhatIf.episodesPerDay')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.perCondition.map((c) => (
                    <tr key={c.condition}>
                      <th scope="row">{t(`condition.${c.condition as Condition}`)}</th>
                      <td>{c.patients}</td>
                      <td>{perDay(c.current.alertsPerDay)} → {perDay(c.proposed.alertsPerDay)}</td>
                      <td>{perDay(c.current.episodesPerDay)} → {perDay(c.proposed.episodesPerDay)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h3>{t('adminWhatIf.mostAffected')}</h3>
            {data.mostAffected.length === 0
              ? <p className="muted">{t('adminWhatIf.noneAffected')}</p>
              : (
                <ul className="admin-what-if__patients" data-testid="admin-what-if-most-affected">
                  {data.mostAffected.map((p) => (
                    <li key={p.patientId}>
                      <strong>{p.displayName}</strong>{': '}
                      {t('adminWhatIf.patientChange', { before: p.current.alerts, after: p.proposed.alerts, episodesBefore: p.current.episodes, episodesAfter: p.proposed.episodes })}
                    </li>
                  ))}
                </ul>
              )}
          </>
        )}
      </div>
    </div>
  )
}
