import type { RecipientChange, RecipientSettings } from '@varde/api-contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState, type FormEvent } from 'react'
import { changeRecipient, listRecipientSettings } from '../api/care-team'
import { queryKeys } from '../api/query-keys'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { QueryState } from './query-state'
import '../pages/admin.css'

const SENDS = ['redAlerts', 'dailyReadings', 'weeklySummary'] as const

/**
 * The tenant's forwarding recipients for its administrator (issue 18's
 * left-over): the name the staff see, the FHIR endpoint and what each gets,
 * changed here instead of in the database (the server logs who changed what).
 */
export function RecipientSettingsSection() {
  const { t } = useI18n()
  const recipients = useQuery({ queryKey: queryKeys.recipientSettings, queryFn: ({ signal }) => listRecipientSettings(signal) })
  return (
    <section className="admin-detail" aria-labelledby="recipients-title">
      <h2 id="recipients-title">{t('admin.recipients.title')}</h2>
      <p className="page__note">{t('admin.recipients.intro')}</p>
      <QueryState query={recipients} errorMessage={t('admin.recipients.loadError')} />
      {recipients.data?.map((r) => <RecipientForm key={r.id} recipient={r} />)}
    </section>
  )
}

function RecipientForm({ recipient }: { recipient: RecipientSettings }) {
  const { t } = useI18n()
  const id = useId()
  const queryClient = useQueryClient()
  const [name, setName] = useState(recipient.name)
  const [baseUrl, setBaseUrl] = useState(recipient.baseUrl ?? '')
  const [sends, setSends] = useState(recipient.sends)
  const change: RecipientChange = {
    ...(name.trim() !== recipient.name ? { name: name.trim() } : {}),
    ...(baseUrl.trim() !== (recipient.baseUrl ?? '') && baseUrl.trim() !== '' ? { baseUrl: baseUrl.trim() } : {}),
    ...(SENDS.some((k) => sends[k] !== recipient.sends[k]) ? { sends } : {}),
  }
  const save = useMutation({
    mutationFn: () => changeRecipient(recipient.id, change),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.recipientSettings }),
  })
  const isChanged = Object.keys(change).length > 0
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!save.isPending && isChanged) save.mutate()
  }
  const identity = [
    recipient.organisationNumber && `${t('admin.recipients.organisationNumber')} ${recipient.organisationNumber}`,
    recipient.herId && `HER-id ${recipient.herId}`,
    t(`admin.recipients.transport.${recipient.transport}`),
  ].filter(Boolean).join(' · ')
  return (
    <form className="recipient-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{recipient.name}</h3>
      <p className="field__hint">{identity}</p>
      {save.isError && <p className="notice notice--error" role="alert">{errorText(save.error, t)}</p>}
      {save.isSuccess && !isChanged && <p className="notice notice--success" role="status">{t('admin.recipients.saved')}</p>}
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('admin.recipients.name')}</label>
        <input id={`${id}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-url`}>{t('admin.recipients.baseUrl')}</label>
        <input
          id={`${id}-url`} type="text" inputMode="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)}
          placeholder={recipient.baseUrl === null ? t(recipient.transport === 'pmd' ? 'admin.recipients.nationalRoute' : 'admin.recipients.demoReceiver') : undefined}
          spellCheck={false} autoComplete="off" aria-describedby={`${id}-url-hint`}
        />
        <p id={`${id}-url-hint`} className="field__hint">{t('admin.recipients.baseUrlHint')}</p>
      </div>
      <fieldset className="choice-group">
        <legend>{t('admin.recipients.sends')}</legend>
        {SENDS.map((k) => (
          <label key={k} className="choice">
            <input type="checkbox" checked={sends[k]} onChange={(e) => setSends((s) => ({ ...s, [k]: e.target.checked }))} />
            <span>{t(`admin.recipients.sends.${k}`)}</span>
          </label>
        ))}
      </fieldset>
      <div className="button-row">
        <button type="submit" className="button button--primary" aria-disabled={save.isPending || !isChanged || undefined}>
          {save.isPending ? t('admin.recipients.saving') : t('admin.recipients.save')}
        </button>
      </div>
    </form>
  )
}
