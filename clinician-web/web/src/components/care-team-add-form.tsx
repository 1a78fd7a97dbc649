import { CARE_RELATIONS, PURPOSES_OF_USE, type CareTeam, type CareTeamMember } from '@varde/api-contract'
import { useId, useRef, useState, type FormEvent } from 'react'
import { addMember, type NewMember } from '../api/care-team'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'

type Kind = 'user' | 'outside'
const EMPTY = {
  userId: '', relation: 'gp' as CareTeamMember['relation'], organisationName: '', organisationNumber: '', herId: '', practitionerName: '',
  hprNumber: '', roleAuthorization: '', legalEntityName: '', legalEntityNumber: '', pointOfCare: '', department: '', healthcareService: '',
  purposeOfUse: 'TREAT' as CareTeamMember['metadata']['purposeOfUse'], recipientId: '', reason: '',
}
type Values = typeof EMPTY
const RELATION_OF_ROLE: Record<string, CareTeamMember['relation']> = { nurse: 'home-care', clinician: 'hospital', gp: 'gp' }

/**
 * A new relationship on the care team: a user of Varde (a nurse, a
 * clinician, the outside GP's login) or an organisation outside the
 * municipality, with the trust framework's metadata and the reason for the
 * decision. Choosing the GP fills in the practice and its forwarding.
 */
export function AddMemberForm({ patientId, team, onAdded, onCancel }: {
  patientId: string
  team: CareTeam
  onAdded: (member: CareTeamMember) => void
  onCancel: () => void
}) {
  const { t } = useI18n()
  const id = useId()
  const [kind, setKind] = useState<Kind>('user')
  const [v, setValues] = useState<Values>(EMPTY)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const reasonRef = useRef<HTMLTextAreaElement>(null)
  const set = (patch: Partial<Values>) => setValues((current) => ({ ...current, ...patch }))

  function chooseUser(userId: string) {
    const user = team.candidates.find((c) => c.id === userId)
    const practice = user?.organisationName ? team.recipients.find((r) => r.name === user.organisationName) : undefined
    set({
      userId,
      relation: (user && RELATION_OF_ROLE[user.role]) ?? v.relation,
      ...(user?.role === 'gp' ? {
        organisationName: user.organisationName ?? '', organisationNumber: practice?.organisationNumber ?? '', herId: practice?.herId ?? '',
        practitionerName: user.displayName, hprNumber: user.hprNumber ?? '', recipientId: practice?.id ?? '', pointOfCare: user.organisationName ?? '',
        healthcareService: v.healthcareService || t('careTeam.relation.gp'),
      } : {}),
    })
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    const hasWho = kind === 'user' ? Boolean(v.userId) : Boolean(v.organisationNumber || v.herId || v.hprNumber)
    if (!hasWho) return setError(t('careTeam.needWho'))
    if (!v.reason.trim()) {
      reasonRef.current?.focus()
      return setError(t('careTeam.needReason'))
    }
    const opt = (s: string) => (s.trim() ? s.trim() : undefined)
    const body: NewMember = strip({
      relation: v.relation,
      userId: kind === 'user' ? v.userId : undefined,
      organisation: strip({ name: opt(v.organisationName), number: opt(v.organisationNumber), herId: opt(v.herId) }),
      practitioner: strip({ name: opt(v.practitionerName), hprNumber: opt(v.hprNumber) }),
      metadata: strip({
        roleAuthorization: opt(v.roleAuthorization), legalEntity: strip({ number: opt(v.legalEntityNumber), name: opt(v.legalEntityName) }),
        pointOfCare: opt(v.pointOfCare), department: opt(v.department), healthcareService: opt(v.healthcareService), purposeOfUse: v.purposeOfUse,
      }),
      recipientId: opt(v.recipientId),
      reason: v.reason.trim(),
    })
    setBusy(true)
    setError(null)
    try {
      onAdded(await addMember(patientId, body))
    } catch (e) {
      setError(errorText(e, t))
      setBusy(false)
    }
  }

  const text = (name: keyof Values, label: string, options: { inputMode?: 'numeric'; maxLength?: number } = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label} <span className="field__optional">{t('careTeam.optional')}</span></label>
      <input id={`${id}-${name}`} type="text" value={v[name]} onChange={(e) => set({ [name]: e.target.value })}
        inputMode={options.inputMode} maxLength={options.maxLength ?? 200} autoComplete="off" />
    </div>
  )

  return (
    <form className="team-form" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)} noValidate data-testid="add-member-form">
      <h4 id={`${id}-title`}>{t('careTeam.addTitle')}</h4>
      <fieldset className="team-form__choice">
        <legend>{t('careTeam.memberKind')}</legend>
        {(['user', 'outside'] as const).map((k) => (
          <label key={k} className="choice">
            <input type="radio" name={`${id}-kind`} value={k} checked={kind === k} onChange={() => setKind(k)} />
            <span>{t(`careTeam.memberKind.${k}`)}</span>
          </label>
        ))}
      </fieldset>
      {kind === 'user' && (
        <div className="field">
          <label htmlFor={`${id}-user`}>{t('careTeam.user')}</label>
          <select id={`${id}-user`} value={v.userId} onChange={(e) => chooseUser(e.target.value)}>
            <option value="">{t('careTeam.chooseUser')}</option>
            {team.candidates.map((c) => (
              <option key={c.id} value={c.id}>
                {c.displayName} ({t(`role.${c.role as 'nurse'}`)}{c.organisationName ? `, ${c.organisationName}` : ''})
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-relation`}>{t('careTeam.relationLabel')}</label>
        <select id={`${id}-relation`} value={v.relation} onChange={(e) => set({ relation: e.target.value as Values['relation'] })}>
          {CARE_RELATIONS.map((r) => <option key={r} value={r}>{t(`careTeam.relation.${r}`)}</option>)}
        </select>
      </div>
      <div className="team-form__grid">
        {text('organisationName', t('careTeam.organisationName'))}
        {text('organisationNumber', t('careTeam.organisationNumber'), { inputMode: 'numeric', maxLength: 9 })}
        {text('herId', t('careTeam.herIdLabel'), { inputMode: 'numeric', maxLength: 9 })}
        {text('practitionerName', t('careTeam.practitionerName'))}
        {text('hprNumber', t('careTeam.hprNumber'), { inputMode: 'numeric', maxLength: 9 })}
        {text('roleAuthorization', t('careTeam.field.roleAuthorization'), { maxLength: 100 })}
        {text('legalEntityName', t('careTeam.legalEntityName'))}
        {text('legalEntityNumber', t('careTeam.legalEntityNumber'), { inputMode: 'numeric', maxLength: 9 })}
        {text('pointOfCare', t('careTeam.field.pointOfCare'))}
        {text('department', t('careTeam.field.department'))}
        {text('healthcareService', t('careTeam.field.healthcareService'))}
        <div className="field">
          <label htmlFor={`${id}-purpose`}>{t('careTeam.field.purposeOfUse')}</label>
          <select id={`${id}-purpose`} value={v.purposeOfUse} onChange={(e) => set({ purposeOfUse: e.target.value as Values['purposeOfUse'] })}>
            {PURPOSES_OF_USE.map((p) => <option key={p} value={p}>{t(`careTeam.purpose.${p}`)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-recipient`}>{t('careTeam.recipient')}</label>
          <select id={`${id}-recipient`} value={v.recipientId} onChange={(e) => set({ recipientId: e.target.value })}>
            <option value="">{t('careTeam.noRecipient')}</option>
            {team.recipients.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t('careTeam.reason')}</label>
        <textarea ref={reasonRef} id={`${id}-reason`} value={v.reason} onChange={(e) => set({ reason: e.target.value })} rows={2} maxLength={1000}
          aria-invalid={error && !v.reason.trim() ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      </div>
      {error && <p id={`${id}-error`} className="notice notice--error" role="alert">{error}</p>}
      <div className="team-form__actions">
        <button type="submit" className="button button--primary" aria-disabled={isBusy || undefined}>
          {isBusy ? t('careTeam.saving') : t('careTeam.saveMember')}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>{t('careTeam.cancel')}</button>
      </div>
    </form>
  )
}

/** Leaves out what is undefined, and an object left empty: the API takes absent, not empty. */
function strip<T extends object>(o: T): T {
  const entries = Object.entries(o).filter(([, value]) => value !== undefined && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0))
  return Object.fromEntries(entries) as T
}
