import type { PatientRule } from '@varde/api-contract'
import type { MissedMeasurementParams, VitalType } from '@varde/domain'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { queryKeys } from '../api/query-keys'
import { changePatientRule, getPatientRules } from '../api/rules'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import './service-course.css'
import { vitalLabel } from './vital-groups'

/** The vitals a patient measures at home on a plan (blood pressure by its systolic reading). */
const PLAN_VITALS: readonly VitalType[] = ['body-weight', 'spo2', 'bp-systolic', 'pulse', 'blood-glucose', 'body-temperature']
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

/**
 * The measuring plan (måleplan, issue 17): which vitals, on which days, in
 * which local time window. Each entry is a missed-measurement rule of the
 * patient (`missed:<vital>` and, for a second time of day, `missed:<vital>:<HHMM>`),
 * so the plan is what raises a missed measurement, and every change is the
 * rule's next version with who and why (PUT /api/patients/:id/rules/:ruleId).
 */
export function MeasuringPlanSection({ patientId }: { patientId: string }) {
  const { t, language, locale } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const rules = useQuery({ queryKey: queryKeys.rules(patientId), queryFn: ({ signal }) => getPatientRules(patientId, signal) })
  const [vital, setVital] = useState<VitalType>('body-weight')
  const [from, setFrom] = useState('07:00')
  const [until, setUntil] = useState('10:00')
  const [days, setDays] = useState<number[]>([...WEEKDAYS])
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState('')
  const data = rules.data
  if (!data) return null
  const plan = data.rules.filter((r) => r.kind === 'missed-measurement')
  const dayName = (d: number) => new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(new Date(Date.UTC(2024, 0, d)))
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.rules(patientId) })

  async function change(ruleId: string, body: Parameters<typeof changePatientRule>[2], done: string) {
    setError(null)
    try {
      await changePatientRule(patientId, ruleId, body)
      setStatus(done)
      await refresh()
    } catch (e) {
      setError(errorText(e, t))
    }
  }
  const add = (event: FormEvent) => {
    event.preventDefault()
    const taken = plan.some((r) => r.id === `missed:${vital}`)
    const ruleId = taken ? `missed:${vital}:${until.replace(':', '')}` : `missed:${vital}`
    const params: MissedMeasurementParams = { vital, windowStart: from, deadline: until, weekdays: [...days].sort(), severity: 'yellow' }
    void change(ruleId, { kind: 'missed-measurement', params: { ...params }, isEnabled: true, reason: t('plan.reason') }, t('plan.saved'))
  }

  return (
    <section className="panel measuring-plan" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('plan.title')}</h2>
      <p className="muted">{t('plan.intro')}</p>
      {plan.length === 0 ? (
        <p className="empty">{t('plan.empty')}</p>
      ) : (
        <ul className="measuring-plan__list">
          {plan.map((rule: PatientRule) => {
            const p = rule.params as unknown as MissedMeasurementParams
            return (
              <li key={rule.id} data-testid={`plan-${rule.id}`} className={rule.isEnabled ? undefined : 'is-disabled'}>
                <span>
                  {t('plan.entry', {
                    vital: vitalLabel(p.vital, language),
                    days: p.weekdays.length === 7 ? t('plan.everyDay') : p.weekdays.map(dayName).join(', '),
                    from: p.windowStart,
                    until: p.deadline,
                  })}
                  {!rule.isEnabled && ` (${t('plan.off')})`}
                </span>
                {data.canChange && (
                  <button
                    type="button"
                    className="button button--quiet"
                    onClick={() => void change(rule.id, { isEnabled: !rule.isEnabled, reason: t('plan.reason') }, t('plan.saved'))}
                  >
                    {rule.isEnabled ? t('plan.turnOff') : t('plan.turnOn')}
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      )}
      {data.canChange && (
        <form className="form-stack" onSubmit={add} aria-labelledby={`${id}-add`}>
          <h3 id={`${id}-add`}>{t('plan.add')}</h3>
          <div className="field">
            <label htmlFor={`${id}-vital`}>{t('plan.vital')}</label>
            <select id={`${id}-vital`} value={vital} onChange={(e) => setVital(e.target.value as VitalType)}>
              {PLAN_VITALS.map((v) => (
                <option key={v} value={v}>
                  {v === 'bp-systolic' ? t('vital.bp') : vitalLabel(v, language)}
                </option>
              ))}
            </select>
          </div>
          <div className="button-row">
            <div className="field">
              <label htmlFor={`${id}-from`}>{t('plan.from')}</label>
              <input id={`${id}-from`} type="time" value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-until`}>{t('plan.until')}</label>
              <input id={`${id}-until`} type="time" value={until} onChange={(e) => setUntil(e.target.value)} />
            </div>
          </div>
          <fieldset className="choice-group">
            <legend>{t('plan.days')}</legend>
            {WEEKDAYS.map((d) => (
              <label key={d} className="choice">
                <input
                  type="checkbox"
                  checked={days.includes(d)}
                  onChange={(e) => setDays((ds) => (e.target.checked ? [...ds, d] : ds.filter((x) => x !== d)))}
                />
                <span>{dayName(d)}</span>
              </label>
            ))}
          </fieldset>
          <div className="button-row">
            <button type="submit" className="button button--primary">
              {t('plan.save')}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      )}
      <p className="visually-hidden" role="status">
        {status}
      </p>
    </section>
  )
}
