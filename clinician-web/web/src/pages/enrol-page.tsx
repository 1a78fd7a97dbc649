import { PATIENT_CONDITIONS, type Condition } from '@varde/api-contract'
import { useQueryClient } from '@tanstack/react-query'
import { useId, useRef, useState, type FormEvent } from 'react'
import { isApiError } from '../api/http'
import { queryKeys } from '../api/query-keys'
import { enrolPatient } from '../api/service-course'
import { ProvisionGateway } from '../components/provision-gateway'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { usePageTitle } from './use-page-title'

const STARTUP_DAYS = [14, 21, 28] as const

/**
 * Enrolment (innskriving, issue 17), for a tenant's administrator: the
 * patient from the national identity number or D-number (the server checks
 * the check digits and that the number is new in the municipality), then a
 * gateway handed out for them, its secret shown once with a QR code.
 */
export function EnrolPage() {
  const { t, tp } = useI18n()
  usePageTitle(t('enrol.title'))
  const id = useId()
  const queryClient = useQueryClient()
  const [nationalId, setNationalId] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [birthDate, setBirthDate] = useState('')
  const [contactPhone, setContactPhone] = useState('')
  const [conditions, setConditions] = useState<Condition[]>([])
  const [startupDays, setStartupDays] = useState<number>(14)
  const [error, setError] = useState<{ text: string; field: 'nationalId' | null } | null>(null)
  const [isBusy, setBusy] = useState(false)
  const [enrolled, setEnrolled] = useState<{ id: string; name: string } | null>(null)
  const nationalIdInput = useRef<HTMLInputElement>(null)

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      const created = await enrolPatient({
        nationalId: nationalId.replace(/\s/g, ''),
        displayName,
        ...(birthDate ? { birthDate } : {}),
        ...(contactPhone.trim() ? { contactPhone: contactPhone.trim() } : {}),
        conditions,
        startupDays,
      })
      setEnrolled({ id: created.id, name: displayName.trim() })
      void queryClient.invalidateQueries({ queryKey: queryKeys.patients })
    } catch (e) {
      const isIdProblem = isApiError(e) && (e.code === 'invalid-national-id' || e.code === 'already-enrolled')
      setError({ text: errorText(e, t), field: isIdProblem ? 'nationalId' : null })
      if (isIdProblem) nationalIdInput.current?.focus()
    } finally {
      setBusy(false)
    }
  }

  function startOver() {
    setEnrolled(null)
    setNationalId('')
    setDisplayName('')
    setBirthDate('')
    setContactPhone('')
    setConditions([])
  }

  if (enrolled) {
    return (
      <div className="page page--narrow">
        <h1 tabIndex={-1}>{t('enrol.title')}</h1>
        <p className="notice notice--success" role="status">
          {t('enrol.done', { name: enrolled.name })}
        </p>
        <section className="panel" aria-labelledby={`${id}-gw`}>
          <h2 id={`${id}-gw`}>{t('provision.heading')}</h2>
          <p>{t('provision.intro')}</p>
          <ProvisionGateway patientId={enrolled.id} />
        </section>
        <p>
          <button type="button" className="button" onClick={startOver}>
            {t('enrol.another')}
          </button>
        </p>
      </div>
    )
  }

  const idError = error?.field === 'nationalId'
  return (
    <div className="page page--narrow">
      <h1 tabIndex={-1}>{t('enrol.title')}</h1>
      <p>{t('enrol.intro')}</p>
      <form className="form-stack" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-nid`}>{t('enrol.nationalId')}</label>
          <input
            ref={nationalIdInput}
            id={`${id}-nid`}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            required
            value={nationalId}
            onChange={(e) => setNationalId(e.target.value)}
            aria-invalid={idError || undefined}
            aria-describedby={`${id}-nid-hint${idError ? ` ${id}-error` : ''}`}
          />
          <p id={`${id}-nid-hint`} className="field__hint">
            {t('enrol.nationalIdHint')}
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>{t('enrol.name')}</label>
          <input id={`${id}-name`} type="text" required autoComplete="off" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-birth`}>{t('enrol.birthDate')}</label>
          <input id={`${id}-birth`} type="date" value={birthDate} onChange={(e) => setBirthDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-phone`}>{t('enrol.phone')}</label>
          <input id={`${id}-phone`} type="tel" autoComplete="off" value={contactPhone} onChange={(e) => setContactPhone(e.target.value)} />
        </div>
        <fieldset className="choice-group">
          <legend>{t('condition.label')}</legend>
          {PATIENT_CONDITIONS.map((c) => (
            <label key={c} className="choice">
              <input
                type="checkbox"
                checked={conditions.includes(c)}
                onChange={(e) => setConditions((cs) => (e.target.checked ? [...cs, c] : cs.filter((x) => x !== c)))}
              />
              <span>{t(`condition.${c}`)}</span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-startup`}>{t('enrol.startup')}</label>
          <select id={`${id}-startup`} value={startupDays} onChange={(e) => setStartupDays(Number(e.target.value))}>
            {STARTUP_DAYS.map((d) => (
              <option key={d} value={d}>
                {tp('enrol.weeks', d / 7)}
              </option>
            ))}
          </select>
        </div>
        {error && (
          <p id={`${id}-error`} className="notice notice--error" role="alert">
            {error.text}
          </p>
        )}
        <p>
          <button type="submit" className="button button--primary" aria-busy={isBusy || undefined}>
            {t('enrol.submit')}
          </button>
        </p>
      </form>
    </div>
  )
}
