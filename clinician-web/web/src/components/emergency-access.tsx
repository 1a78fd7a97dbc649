import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { openEmergencyAccess } from '../api/log-control'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'

const HOURS = 4

/**
 * Break the glass (nødrett, issue 19), where the portal refuses a patient:
 * the nurse or clinician states why and says the password again; on success
 * the patient loads, marked as read by emergency access. The server decides
 * (role, password, 4 h on the platform clock) and logs it for review.
 */
export function EmergencyAccess({ patientId }: { patientId: string }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const [isOpen, setIsOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [password, setPassword] = useState('')
  const id = useId()
  const mutation = useMutation({
    mutationFn: () => openEmergencyAccess(patientId, reason.trim(), password),
    onSuccess: async () => {
      setPassword('')
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.patient(patientId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.measurementsOf(patientId) }),
      ])
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    mutation.mutate()
  }
  return (
    <section className="emergency" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('emergency.title')}</h2>
      <p>{t('emergency.intro', { hours: String(HOURS) })}</p>
      {!isOpen ? (
        <button type="button" className="button" onClick={() => setIsOpen(true)}>
          {t('emergency.open')}
        </button>
      ) : (
        <form className="emergency__form" onSubmit={submit}>
          <label htmlFor={`${id}-reason`}>{t('emergency.reason')}</label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            minLength={10}
            maxLength={500}
            required
            rows={3}
            onChange={(e) => setReason(e.target.value)}
          />
          <label htmlFor={`${id}-password`}>{t('emergency.password')}</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            value={password}
            required
            onChange={(e) => setPassword(e.target.value)}
          />
          {mutation.isError && (
            <p className="notice notice--error" role="alert">
              {t('emergency.failed')} {errorText(mutation.error, t)}
            </p>
          )}
          <div className="emergency__actions">
            <button type="submit" className="button button--primary" disabled={mutation.isPending}>
              {t('emergency.submit')}
            </button>
            <button type="button" className="button" onClick={() => setIsOpen(false)}>
              {t('emergency.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
