import { OBJECTION_CHANNELS, type CareTeam, type ObjectionChannel, type PatientObjection } from '@varde/api-contract'
import { useId, useState, type FormEvent } from 'react'
import { recordObjection, withdrawObjection } from '../api/care-team'
import { errorText } from '../i18n/error-text'
import { formatDay } from '../i18n/format'
import { useI18n } from '../i18n/i18n'

/** Today in Oslo as YYYY-MM-DD, the default day of an objection. */
const osloToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date())

/**
 * The patient's objection (reservasjon; Patient Records Act § 19) said
 * plainly: against all sharing beyond the municipal team or against one
 * recipient, when and how the patient said so. A manager records one, or
 * withdraws it with the channel the patient used.
 */
export function ObjectionPanel({ patientId, team, onChanged }: { patientId: string; team: CareTeam; onChanged: (message: string) => void }) {
  const { t, locale } = useI18n()
  const id = useId()
  const inForce = team.objections.filter((o) => o.withdrawn === null)
  const [isRecording, setRecording] = useState(false)
  const recipientName = (o: PatientObjection) =>
    team.recipients.find((r) => r.id === o.recipientId)?.name ?? team.members.find((m) => m.user?.id === o.userId)?.user?.displayName ?? ''

  return (
    <section className="team-part" aria-labelledby={`${id}-title`} data-testid="objection">
      <h3 id={`${id}-title`}>{t('objection.title')}</h3>
      {inForce.length === 0 && <p className="team-part__plain">{t('objection.none')}</p>}
      {inForce.map((o) => (
        <div key={o.id} className="objection" role="note">
          <p className="objection__what">
            {o.scope === 'all-beyond-municipal' ? t('objection.all') : t('objection.recipient', { name: recipientName(o) })}
          </p>
          <p>{t('objection.when', { date: formatDay(`${o.objectedOn}T12:00:00Z`, locale), channel: t(`objection.channel.${o.channel}`) })}</p>
          {o.note && <p>{o.note}</p>}
          {team.canManage && (
            <WithdrawForm onWithdraw={async (channel) => {
              await withdrawObjection(patientId, o.id, channel)
              onChanged(t('objection.didWithdraw'))
            }} />
          )}
        </div>
      ))}
      {team.canManage && !isRecording && (
        <button type="button" className="button" onClick={() => setRecording(true)}>{t('objection.record')}</button>
      )}
      {isRecording && (
        <RecordForm team={team} onCancel={() => setRecording(false)} onRecord={async (o) => {
          await recordObjection(patientId, o)
          setRecording(false)
          onChanged(t('objection.didRecord'))
        }} />
      )}
    </section>
  )
}

function ChannelSelect({ id, label, value, onChange }: { id: string; label: string; value: ObjectionChannel; onChange: (c: ObjectionChannel) => void }) {
  const { t } = useI18n()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as ObjectionChannel)}>
        {OBJECTION_CHANNELS.map((c) => <option key={c} value={c}>{t(`objection.channel.${c}`)}</option>)}
      </select>
    </div>
  )
}

function RecordForm({ team, onRecord, onCancel }: {
  team: CareTeam
  onRecord: (o: { scope: PatientObjection['scope']; recipientId?: string; channel: ObjectionChannel; objectedOn: string; note?: string }) => Promise<void>
  onCancel: () => void
}) {
  const { t } = useI18n()
  const id = useId()
  const [scope, setScope] = useState<PatientObjection['scope']>('all-beyond-municipal')
  const [recipientId, setRecipientId] = useState(team.recipients[0]?.id ?? '')
  const [channel, setChannel] = useState<ObjectionChannel>('phone')
  const [objectedOn, setObjectedOn] = useState(osloToday)
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      await onRecord({ scope, channel, objectedOn, ...(scope === 'recipient' ? { recipientId } : {}), ...(note.trim() ? { note: note.trim() } : {}) })
    } catch (e) {
      setError(errorText(e, t))
      setBusy(false)
    }
  }
  return (
    <form className="team-form" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="team-form__choice">
        <legend>{t('objection.scope')}</legend>
        {(['all-beyond-municipal', 'recipient'] as const).map((s) => (
          <label key={s} className="choice">
            <input type="radio" name={`${id}-scope`} value={s} checked={scope === s} onChange={() => setScope(s)} />
            <span>{t(s === 'recipient' ? 'objection.scope.recipient' : 'objection.scope.all')}</span>
          </label>
        ))}
      </fieldset>
      {scope === 'recipient' && (
        <div className="field">
          <label htmlFor={`${id}-recipient`}>{t('objection.recipientLabel')}</label>
          <select id={`${id}-recipient`} value={recipientId} onChange={(e) => setRecipientId(e.target.value)}>
            {team.recipients.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
          </select>
        </div>
      )}
      <div className="team-form__grid">
        <ChannelSelect id={`${id}-channel`} label={t('objection.channelLabel')} value={channel} onChange={setChannel} />
        <div className="field">
          <label htmlFor={`${id}-date`}>{t('objection.date')}</label>
          <input id={`${id}-date`} type="date" value={objectedOn} onChange={(e) => setObjectedOn(e.target.value)} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`}>{t('objection.note')}</label>
        <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={1000} />
      </div>
      {error && <p className="notice notice--error" role="alert">{error}</p>}
      <div className="team-form__actions">
        <button type="submit" className="button button--primary" aria-disabled={isBusy || undefined}>{t('objection.save')}</button>
        <button type="button" className="button button--quiet" onClick={onCancel}>{t('careTeam.cancel')}</button>
      </div>
    </form>
  )
}

function WithdrawForm({ onWithdraw }: { onWithdraw: (channel: ObjectionChannel) => Promise<void> }) {
  const { t } = useI18n()
  const id = useId()
  const [isOpen, setOpen] = useState(false)
  const [channel, setChannel] = useState<ObjectionChannel>('phone')
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  if (!isOpen) return <button type="button" className="button" onClick={() => setOpen(true)}>{t('objection.withdraw')}</button>
  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      await onWithdraw(channel)
    } catch (e) {
      setError(errorText(e, t))
      setBusy(false)
    }
  }
  return (
    <form className="team-form" onSubmit={(e) => void submit(e)} noValidate>
      <ChannelSelect id={`${id}-channel`} label={t('objection.withdrawChannel')} value={channel} onChange={setChannel} />
      {error && <p className="notice notice--error" role="alert">{error}</p>}
      <div className="team-form__actions">
        <button type="submit" className="button button--primary" aria-disabled={isBusy || undefined}>{t('objection.confirmWithdraw')}</button>
        <button type="button" className="button button--quiet" onClick={() => setOpen(false)}>{t('careTeam.cancel')}</button>
      </div>
    </form>
  )
}
