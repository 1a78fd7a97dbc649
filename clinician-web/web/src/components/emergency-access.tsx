import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { isApiError } from '../api/http'
import { openEmergencyAccess } from '../api/log-control'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { useSession } from '../session/session-context'

const HOURS = 4
/** The server's window for a HelseID login before emergency access (access/recent-auth.ts). */
const REAUTH_SECONDS = 300
/** The reason typed before the trip through HelseID, for this tab only, read once on return. */
const pendingKey = (patientId: string) => `varde.emergency-reason.${patientId}`

function takePendingReason(patientId: string): string | null {
  try {
    const reason = sessionStorage.getItem(pendingKey(patientId))
    sessionStorage.removeItem(pendingKey(patientId))
    return reason
  } catch {
    return null // storage refused (private mode): the user types the reason again
  }
}

/**
 * Break the glass (nødrett, issue 19), where the portal refuses a patient:
 * the nurse or clinician states why and proves again who they are: a
 * password session says the password; a HelseID session is sent through
 * HelseID to log in again (prompt=login, max_age; issue 24) when the server
 * answers `reauthentication-required`, and comes back to the form with its
 * reason kept. On success the patient loads, marked as read by emergency
 * access. The server decides (role, proof, 4 h on the platform clock) and
 * logs it for review.
 */
export function EmergencyAccess({ patientId }: { patientId: string }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const { state } = useSession()
  const isHelseId = state.kind === 'signed-in' && state.session.authMethod === 'helseid'
  // back from the fresh HelseID login: the form opens again with the reason typed before
  const [pending] = useState(() => takePendingReason(patientId))
  const [isOpen, setIsOpen] = useState(pending !== null)
  const [reason, setReason] = useState(pending ?? '')
  const [password, setPassword] = useState('')
  const id = useId()
  const mutation = useMutation({
    mutationFn: () => openEmergencyAccess(patientId, reason.trim(), isHelseId ? null : password),
    onError: (error) => {
      if (!isHelseId || !isApiError(error) || error.code !== 'reauthentication-required') return
      try { sessionStorage.setItem(pendingKey(patientId), reason) } catch { /* typed again on return */ }
      const returnTo = `${window.location.pathname}${window.location.search}`
      window.location.assign(`/api/session/helseid?${new URLSearchParams({ maxAge: String(REAUTH_SECONDS), returnTo })}`)
    },
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
          {isHelseId ? (
            <p>{pending !== null ? t('emergency.helseIdDone') : t('emergency.helseId')}</p>
          ) : (
            <>
              <label htmlFor={`${id}-password`}>{t('emergency.password')}</label>
              <input
                id={`${id}-password`}
                type="password"
                autoComplete="current-password"
                value={password}
                required
                onChange={(e) => setPassword(e.target.value)}
              />
            </>
          )}
          {mutation.isError && !(isHelseId && isApiError(mutation.error) && mutation.error.code === 'reauthentication-required') && (
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
