import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { changePatientRule, type PatientRule } from '../api/rules'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { formatLimitNumber, unitOfVital } from './rule-bands'
import { parseLimitInput } from './threshold-form'
import { displayUnit } from './vital-groups'
import { WhatIfPanel } from './what-if-panel'

/** The trend rules the form edits (issue 20): their numbers, as @varde/domain rule-set.ts names them. */
export const TREND_RULE_KINDS = ['weight-gain', 'baseline-deviation', 'news2'] as const
export type TrendRuleKind = (typeof TREND_RULE_KINDS)[number]
export const isTrendRule = (rule: PatientRule): rule is PatientRule & { kind: TrendRuleKind } =>
  (TREND_RULE_KINDS as readonly string[]).includes(rule.kind)

interface Field {
  key: string
  /** A blank field is "no red limit" (null); otherwise a number is needed. */
  isNullable?: boolean
  isInteger?: boolean
  /** The unit it is in: a vital's (its unit shown), days, or a score (none). */
  unit: 'kg' | 'vital' | 'days' | 'readings' | 'minutes' | 'points'
  /** Red must be at or above this field (the rule's own check, said before asking the server). */
  atLeast?: string
}

const FIELDS: Record<TrendRuleKind, readonly Field[]> = {
  'weight-gain': [
    { key: 'yellowGainKg', unit: 'kg' },
    { key: 'redGainKg', unit: 'kg', isNullable: true, atLeast: 'yellowGainKg' },
    { key: 'windowDays', unit: 'days', isInteger: true },
    { key: 'hysteresisKg', unit: 'kg' },
  ],
  'baseline-deviation': [
    { key: 'yellowDelta', unit: 'vital' },
    { key: 'redDelta', unit: 'vital', isNullable: true, atLeast: 'yellowDelta' },
    { key: 'windowDays', unit: 'days', isInteger: true },
    { key: 'minReadings', unit: 'readings', isInteger: true },
    { key: 'hysteresis', unit: 'vital' },
  ],
  news2: [
    { key: 'yellowScore', unit: 'points', isInteger: true },
    { key: 'redScore', unit: 'points', isInteger: true, atLeast: 'yellowScore' },
    { key: 'windowMinutes', unit: 'minutes', isInteger: true },
    { key: 'hysteresis', unit: 'points', isInteger: true },
  ],
}

/**
 * The numbers of one trend rule (weight gain over days, deviation from the
 * patient's own baseline, the NEWS2 score), changed with a reason, with the
 * same what-if as the threshold form beside them. The server validates the
 * whole rule (the rule's schema, a coded 400); the form says the plain
 * mistakes first (not a number, red below yellow, reason missing). Only the
 * numbers change here: the vital and direction of a baseline stay as they are.
 */
export function TrendRuleForm({ patientId, rule, label, onSaved, onCancel }: {
  patientId: string
  rule: PatientRule & { kind: TrendRuleKind }
  label: string
  onSaved: (rule: PatientRule) => void
  onCancel: () => void
}) {
  const { t, locale } = useI18n()
  const fields = FIELDS[rule.kind]
  const params = rule.params
  const vital = typeof params.vital === 'string' ? params.vital : 'body-weight'
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => {
      const v = params[f.key]
      const text = typeof v !== 'number' ? '' : f.isInteger ? String(v) : formatLimitNumber(f.unit === 'kg' ? 'body-weight' : vital, v, locale)
      return [f.key, text.replace(/\s/g, '')]
    })),
  )
  const [reason, setReason] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [isSaving, setSaving] = useState(false)
  const firstInput = useRef<HTMLInputElement>(null)
  const id = useId()
  useEffect(() => {
    firstInput.current?.focus()
  }, [])

  const unitText = (f: Field) =>
    f.unit === 'vital' ? displayUnit(vital, unitOfVital(vital)) : f.unit === 'kg' ? 'kg' : t(`trendForm.unit.${f.unit}`)

  /** The typed numbers over the rule's params, or the errors found. */
  function parse(): { params: Record<string, unknown>; errors: Record<string, string> } {
    const next: Record<string, unknown> = { ...params }
    const found: Record<string, string> = {}
    for (const f of fields) {
      const value = parseLimitInput(values[f.key] ?? '')
      if (value === 'invalid' || (value === null && !f.isNullable) || (value !== null && f.isInteger && !Number.isInteger(value)))
        found[f.key] = t(f.isInteger ? 'trendForm.wholeNumber' : f.isNullable ? 'rules.form.invalidNumber' : 'trendForm.number')
      else next[f.key] = value
    }
    for (const f of fields) {
      const low = f.atLeast ? next[f.atLeast] : null
      const high = next[f.key]
      if (!found[f.key] && typeof low === 'number' && typeof high === 'number' && high < low) found[f.key] = t('trendForm.redBelowYellow')
    }
    return { params: next, errors: found }
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isSaving) return
    const parsed = parse()
    const found = { ...parsed.errors }
    if (reason.trim() === '') found.reason = t('rules.form.reasonMissing')
    setErrors(found)
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-form="${id}"] [aria-invalid="true"]`)?.focus())
      return
    }
    setSaving(true)
    try {
      onSaved(await changePatientRule(patientId, rule.id, { params: parsed.params, reason: reason.trim() }))
    } catch (e) {
      setErrors({ form: t('rules.form.error', { message: errorText(e, t) }) })
      setSaving(false)
    }
  }

  const draft = parse()
  return (
    <form className="threshold-form" onSubmit={submit} noValidate data-form={id} data-testid="trend-rule-form">
      <h3 className="threshold-form__title">{t('rules.form.title', { label })}</h3>
      <p className="threshold-form__hint">{t('trendForm.hint')}</p>
      <div className="threshold-form__bands trend-form__fields">
        {fields.map((f, i) => {
          const error = errors[f.key]
          const unit = unitText(f)
          return (
            <div className="field" key={f.key}>
              <label htmlFor={`${id}-${f.key}`}>{t(`trendForm.field.${rule.kind}.${f.key}` as MessageKey)}</label>
              <span className="threshold-form__input">
                <input
                  ref={i === 0 ? firstInput : undefined}
                  id={`${id}-${f.key}`}
                  type="text"
                  inputMode={f.isInteger ? 'numeric' : 'decimal'}
                  autoComplete="off"
                  value={values[f.key] ?? ''}
                  onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-${f.key}-error` : undefined}
                />
                {unit && <span aria-hidden="true">{unit}</span>}
              </span>
              {error && <span className="threshold-form__error" id={`${id}-${f.key}-error`}>{error}</span>}
            </div>
          )
        })}
      </div>
      <WhatIfPanel patientId={patientId} ruleId={rule.id} params={Object.keys(draft.errors).length > 0 ? null : draft.params} />
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('rules.form.reason')}</label>
        <span className="threshold-form__hint" id={`${id}-reason-hint`}>{t('rules.form.reasonHint')}</span>
        <textarea
          id={`${id}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={500}
          required
          aria-invalid={errors.reason ? true : undefined}
          aria-describedby={`${id}-reason-hint${errors.reason ? ` ${id}-reason-error` : ''}`}
        />
        {errors.reason && <span className="threshold-form__error" id={`${id}-reason-error`}>{errors.reason}</span>}
      </div>
      {errors.form && <p className="notice notice--error" role="alert">{errors.form}</p>}
      <div className="threshold-form__actions">
        <button type="submit" className="button button--primary" aria-disabled={isSaving || undefined}>
          {isSaving ? t('rules.form.saving') : t('rules.form.save')}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>{t('rules.form.cancel')}</button>
      </div>
    </form>
  )
}
