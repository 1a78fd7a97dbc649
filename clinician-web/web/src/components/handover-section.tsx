import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { listHandovers, writeHandover, type HandoverNote } from '../api/shift'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { QueryState } from './query-state'
import './service-course.css'
import './shift.css'

/**
 * The handover note (rapport, issue 20, docs/decisions/0034): the latest
 * note first, where the next shift opens the patient, with who wrote it and
 * when; a new note is added, never written over (the history below).
 */
export function HandoverSection({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState('')
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null)
  const [isSaving, setSaving] = useState(false)
  const notes = useQuery({ queryKey: queryKeys.handovers(patientId), queryFn: ({ signal }) => listHandovers(patientId, signal) })

  const save = async (event: FormEvent) => {
    event.preventDefault()
    if (isSaving) return
    if (draft.trim() === '') {
      setMessage({ kind: 'error', text: t('handover.empty') })
      return
    }
    setSaving(true)
    try {
      await writeHandover(patientId, draft)
      setDraft('')
      setMessage({ kind: 'success', text: t('handover.saved') })
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.handovers(patientId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.shift }),
      ])
    } catch (e) {
      setMessage({ kind: 'error', text: errorText(e, t) })
    } finally {
      setSaving(false)
    }
  }

  const [latest, ...earlier] = notes.data ?? []
  return (
    <section className="panel handover" aria-labelledby={`${id}-h`} data-testid="handover-section">
      <h2 id={`${id}-h`}>{t('handover.title')}</h2>
      <QueryState query={notes} errorMessage={t('handover.loadError')} />
      {notes.data && (latest ? <HandoverText note={latest} isLatest /> : <p className="empty">{t('handover.none')}</p>)}
      {earlier.length > 0 && (
        <details className="handover__history">
          <summary>{t('handover.history', { count: earlier.length })}</summary>
          <ol className="handover__list">
            {earlier.map((n) => <li key={n.id}><HandoverText note={n} /></li>)}
          </ol>
        </details>
      )}
      {canWrite && (
        <form className="form-stack" onSubmit={(e) => void save(e)}>
          <div className="field">
            <label htmlFor={`${id}-text`}>{t('handover.write')}</label>
            <p className="field__hint" id={`${id}-hint`}>{t('handover.hint')}</p>
            <textarea
              id={`${id}-text`} rows={4} maxLength={4000} value={draft} aria-describedby={`${id}-hint`}
              onChange={(e) => setDraft(e.target.value)}
            />
          </div>
          <div className="button-row">
            <button type="submit" className="button button--primary" aria-disabled={isSaving || undefined}>{t('handover.save')}</button>
          </div>
          {message && <p className={`notice notice--${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>{message.text}</p>}
        </form>
      )}
      <p className="muted">{t('handover.kept')}</p>
    </section>
  )
}

/** One note: the text as written, then who and when. */
export function HandoverText({ note, isLatest = false }: { note: HandoverNote; isLatest?: boolean }) {
  const { t, locale } = useI18n()
  return (
    <figure className={`handover__note${isLatest ? ' handover__note--latest' : ''}`} data-testid="handover-note">
      <blockquote className="handover__text">{note.text}</blockquote>
      <figcaption className="muted">
        {t('handover.by', { author: note.author.displayName, when: formatDateTime(note.writtenAt, locale) })}
      </figcaption>
    </figure>
  )
}
