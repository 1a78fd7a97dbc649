import type { CareTeamMember } from '@varde/api-contract'
import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { endMember } from '../api/care-team'
import { errorText } from '../i18n/error-text'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'

/** Who a relationship is with, as people say it: the user, else the practitioner, else the organisation. */
export function memberName(m: CareTeamMember): string {
  return m.user?.displayName ?? m.practitioner?.name ?? m.organisation?.name ?? m.organisation?.number ?? m.practitioner?.hprNumber ?? ''
}

/**
 * One relationship on the care team with the trust framework's metadata
 * (felles tillitsrammeverk): role and authorization, legal entity, point of
 * care, department, healthcare service, purpose, period and the decision it
 * rests on. A manager ends it here, with a reason.
 */
export function CareTeamMemberCard({ patientId, member, canManage, onEnded }: {
  patientId: string
  member: CareTeamMember
  canManage: boolean
  onEnded: (member: CareTeamMember) => void
}) {
  const { t, locale } = useI18n()
  const id = useId()
  const [isEnding, setEnding] = useState(false)
  const [reason, setReason] = useState('')
  const [isBusy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const m = member
  const isOutside = m.relation === 'gp' || m.relation === 'hospital'
  const org = m.organisation
  const legal = m.metadata.legalEntity

  const rows: [string, ReactNode][] = [
    [t('careTeam.field.roleAuthorization'), m.metadata.roleAuthorization],
    [t('careTeam.field.organisation'), org && join([org.name, org.number && t('careTeam.orgNumber', { value: org.number }), org.herId && t('careTeam.herId', { value: org.herId })])],
    [t('careTeam.field.practitioner'), m.practitioner && join([m.practitioner.name, m.practitioner.hprNumber && t('careTeam.hpr', { value: m.practitioner.hprNumber })])],
    [t('careTeam.field.legalEntity'), (legal.name || legal.number) && join([legal.name, legal.number && t('careTeam.orgNumber', { value: legal.number })])],
    [t('careTeam.field.pointOfCare'), m.metadata.pointOfCare],
    [t('careTeam.field.department'), m.metadata.department],
    [t('careTeam.field.healthcareService'), m.metadata.healthcareService],
    [t('careTeam.field.purposeOfUse'), t(`careTeam.purpose.${m.metadata.purposeOfUse}`)],
    [t('careTeam.field.period'), m.period.end
      ? t('careTeam.periodClosed', { start: formatDateTime(m.period.start, locale), end: formatDateTime(m.period.end, locale) })
      : t('careTeam.periodOpen', { start: formatDateTime(m.period.start, locale) })],
    [t('careTeam.field.decision'), t('careTeam.decidedBy', {
      name: m.decision.byName ?? t('careTeam.unknownPerson'), time: formatDateTime(m.decision.at, locale), reason: m.decision.reason ?? '',
    })],
    [t('careTeam.field.endReason'), m.ended?.reason],
    [t('careTeam.field.forwardsTo'), m.recipient?.name],
  ]

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isBusy) return
    if (!reason.trim()) return setError(t('careTeam.needReason'))
    setBusy(true)
    setError(null)
    try {
      onEnded(await endMember(patientId, m.id, reason.trim()))
    } catch (e) {
      setError(errorText(e, t))
      setBusy(false)
    }
  }

  return (
    <article className={`team-member${m.isActive ? '' : ' team-member--ended'}`} aria-labelledby={`${id}-name`} data-testid={`member-${m.id}`}>
      <header className="team-member__header">
        <h4 id={`${id}-name`} className="team-member__name">{memberName(m) || t('careTeam.unknownPerson')}</h4>
        <p className="team-member__tags">
          <span className="tag">{t(`careTeam.relation.${m.relation}`)}</span>
          {isOutside && <span className="tag">{t('careTeam.outside')}</span>}
          <span className={`tag ${m.isActive ? 'tag--ok' : 'tag--ended'}`}>{m.isActive ? t('careTeam.active') : t('careTeam.ended')}</span>
        </p>
      </header>
      <dl className="team-member__facts">
        {rows.filter(([, value]) => value !== null && value !== undefined && value !== '').map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {canManage && m.isActive && !isEnding && (
        <button type="button" className="button" onClick={() => setEnding(true)} aria-describedby={`${id}-name`}>
          {t('careTeam.end')}
        </button>
      )}
      {isEnding && (
        <form className="team-form" onSubmit={(e) => void submit(e)} noValidate>
          <div className="field">
            <label htmlFor={`${id}-reason`}>{t('careTeam.endReason')}</label>
            <textarea id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={1000}
              aria-invalid={error && !reason.trim() ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
          </div>
          {error && <p id={`${id}-error`} className="notice notice--error" role="alert">{error}</p>}
          <div className="team-form__actions">
            <button type="submit" className="button button--primary" aria-disabled={isBusy || undefined}>
              {isBusy ? t('careTeam.ending') : t('careTeam.confirmEnd')}
            </button>
            <button type="button" className="button button--quiet" onClick={() => setEnding(false)}>{t('careTeam.cancel')}</button>
          </div>
        </form>
      )}
    </article>
  )
}

const join = (parts: (string | null | undefined | false | '')[]) => parts.filter(Boolean).join(', ')
