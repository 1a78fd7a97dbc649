import { SEVERITIES } from '@varde/api-contract'
import {
  limitSign,
  type Band,
  type BandSide,
  type Limit,
  type Severity,
  type ThresholdParams,
  type VitalBands,
  type VitalType,
} from '@varde/domain'
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { changePatientRule, type PatientRule } from '../api/rules'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { formatLimitNumber, unitOfVital } from './rule-bands'
import { displayUnit, vitalLabel } from './vital-groups'
import { errorText } from '../i18n/error-text'
import { WhatIfPanel } from './what-if-panel'

type FieldKey = `${Severity}-${BandSide}`
const FIELDS: readonly { severity: Severity; side: BandSide }[] = [
  { severity: 'red', side: 'low' },
  { severity: 'red', side: 'high' },
  { severity: 'yellow', side: 'low' },
  { severity: 'yellow', side: 'high' },
]

/** "87,5" and "87.5" alike; blank is no limit; anything else is not a number. */
export function parseLimitInput(text: string): number | null | 'invalid' {
  const trimmed = text.trim().replace(',', '.')
  if (trimmed === '') return null
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return 'invalid'
  return Number(trimmed)
}

/**
 * The red and yellow limits of one vital of a threshold rule, changed with a
 * reason. Each limit keeps how the guideline writes it (≤ or <); a new limit
 * is inclusive. The whole rule is sent (its other vitals as they are), so
 * the stored version says exactly what applies.
 */
export function ThresholdForm({
  patientId,
  rule,
  vital,
  onSaved,
  onCancel,
}: {
  patientId: string
  rule: PatientRule
  vital: VitalType
  onSaved: (rule: PatientRule) => void
  onCancel: () => void
}) {
  const { t, locale, language } = useI18n()
  const params = rule.params as unknown as ThresholdParams
  const bands = params.vitals.find((b) => b.vital === vital)
  const [values, setValues] = useState<Record<FieldKey, string>>(() => {
    const text = (limit: Limit | undefined) =>
      limit ? formatLimitNumber(vital, limit.value, locale).replace(/\s/g, '') : ''
    return {
      'red-low': text(bands?.red.low),
      'red-high': text(bands?.red.high),
      'yellow-low': text(bands?.yellow.low),
      'yellow-high': text(bands?.yellow.high),
    }
  })
  const [reason, setReason] = useState('')
  const [errors, setErrors] = useState<Partial<Record<FieldKey | 'reason' | 'form', string>>>({})
  const [isSaving, setSaving] = useState(false)
  const firstInput = useRef<HTMLInputElement>(null)
  const id = useId()
  const label = vitalLabel(vital, language)
  const unit = displayUnit(vital, unitOfVital(vital))

  useEffect(() => {
    firstInput.current?.focus()
  }, [])

  if (!bands) return null

  /** The rule's params as typed, for the what-if (null while a field is not a number); the server judges the rest. */
  function draftParams(): Record<string, unknown> | null {
    const next = { red: {} as Band, yellow: {} as Band }
    for (const { severity, side } of FIELDS) {
      const value = parseLimitInput(values[`${severity}-${side}`])
      if (value === 'invalid') return null
      if (value !== null) next[severity][side] = { value, isInclusive: bands?.[severity][side]?.isInclusive ?? true }
    }
    return { vitals: params.vitals.map((b) => (b.vital === vital ? { ...b, red: next.red, yellow: next.yellow } : b)) }
  }

  function validate(): { red: Band; yellow: Band } | null {
    const found: typeof errors = {}
    const parsed = {} as Record<FieldKey, number | null>
    for (const { severity, side } of FIELDS) {
      const key: FieldKey = `${severity}-${side}`
      const value = parseLimitInput(values[key])
      if (value === 'invalid') found[key] = t('rules.form.invalidNumber')
      else parsed[key] = value
    }
    const check = (key: FieldKey, isWrong: boolean, message: MessageKey) => {
      if (isWrong && !found[key]) found[key] = t(message)
    }
    const n = (key: FieldKey) => parsed[key] ?? null
    /** a > b, or a ≥ b with `orEqual`; false when either limit is absent. */
    const exceeds = (a: FieldKey, b: FieldKey, orEqual = false) => {
      const x = n(a)
      const y = n(b)
      return x !== null && y !== null && (orEqual ? x >= y : x > y)
    }
    // red is the more urgent band: it must lie beyond yellow on each side
    check('red-low', exceeds('red-low', 'yellow-low'), 'rules.form.redLowAboveYellow')
    check('red-high', exceeds('yellow-high', 'red-high'), 'rules.form.redHighBelowYellow')
    check('yellow-high', exceeds('yellow-low', 'yellow-high', true), 'rules.form.lowAboveHigh')
    check('red-high', exceeds('red-low', 'red-high', true), 'rules.form.lowAboveHigh')
    if (reason.trim() === '') found.reason = t('rules.form.reasonMissing')
    setErrors(found)
    if (Object.keys(found).length > 0) return null
    const limit = (severity: Severity, side: BandSide): Limit | undefined => {
      const value = n(`${severity}-${side}`)
      if (value === null) return undefined
      const before = bands?.[severity][side]
      return { value, isInclusive: before?.isInclusive ?? true }
    }
    const band = (severity: Severity): Band => {
      const low = limit(severity, 'low')
      const high = limit(severity, 'high')
      return { ...(low ? { low } : {}), ...(high ? { high } : {}) }
    }
    return { red: band('red'), yellow: band('yellow') }
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isSaving || !bands) return
    const next = validate()
    if (!next) {
      // focus the first field in error, in the order they are shown
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>(`[data-form="${id}"] [aria-invalid="true"]`)?.focus(),
      )
      return
    }
    const vitals: VitalBands[] = params.vitals.map((b) =>
      b.vital === vital ? { ...b, red: next.red, yellow: next.yellow } : b,
    )
    setSaving(true)
    try {
      onSaved(
        await changePatientRule(patientId, rule.id, { params: { vitals }, reason: reason.trim() }),
      )
    } catch (e) {
      setErrors({
        form: t('rules.form.error', { message: errorText(e, t) }),
      })
      setSaving(false)
    }
  }

  const sign = (side: BandSide, severity: Severity) =>
    limitSign(side, bands[severity][side] ?? { value: 0, isInclusive: true })

  return (
    <form className="threshold-form" onSubmit={submit} noValidate data-form={id}>
      <h3 className="threshold-form__title" id={`${id}-title`}>
        {t('rules.form.title', { label })}
      </h3>
      <p className="threshold-form__hint" id={`${id}-hint`}>
        {t('rules.form.hint', { unit })}
      </p>
      <div className="threshold-form__bands">
        {SEVERITIES.map((severity) => (
          <fieldset
            key={severity}
            className={`threshold-form__band threshold-form__band--${severity}`}
            aria-describedby={`${id}-hint`}
          >
            <legend>{t(`rules.column.${severity}`)}</legend>
            {(['low', 'high'] as const).map((side) => {
              const key: FieldKey = `${severity}-${side}`
              const error = errors[key]
              return (
                <div className="field" key={key}>
                  <label htmlFor={`${id}-${key}`}>
                    {t(`rules.form.${side}`, { sign: sign(side, severity) })}
                  </label>
                  <span className="threshold-form__input">
                    <input
                      ref={key === 'red-low' ? firstInput : undefined}
                      id={`${id}-${key}`}
                      type="text"
                      inputMode="decimal"
                      autoComplete="off"
                      value={values[key]}
                      onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${id}-${key}-error` : undefined}
                    />
                    <span aria-hidden="true">{unit}</span>
                  </span>
                  {error && (
                    <span className="threshold-form__error" id={`${id}-${key}-error`}>
                      {error}
                    </span>
                  )}
                </div>
              )
            })}
          </fieldset>
        ))}
      </div>
      <WhatIfPanel patientId={patientId} ruleId={rule.id} params={draftParams()} />
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('rules.form.reason')}</label>
        <span className="threshold-form__hint" id={`${id}-reason-hint`}>
          {t('rules.form.reasonHint')}
        </span>
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
        {errors.reason && (
          <span className="threshold-form__error" id={`${id}-reason-error`}>
            {errors.reason}
          </span>
        )}
      </div>
      {errors.form && (
        <p className="notice notice--error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="threshold-form__actions">
        <button
          type="submit"
          className="button button--primary"
          aria-disabled={isSaving || undefined}
        >
          {isSaving ? t('rules.form.saving') : t('rules.form.save')}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>
          {t('rules.form.cancel')}
        </button>
      </div>
    </form>
  )
}
