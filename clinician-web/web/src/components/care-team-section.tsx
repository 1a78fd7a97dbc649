import type { CareTeam, ForwardingRecipient } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useRef, useState } from 'react'
import { getCareTeam, listOpenAlertsOf } from '../api/care-team'
import { queryKeys } from '../api/query-keys'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'
import { AddMemberForm } from './care-team-add-form'
import { CareTeamMemberCard, memberName } from './care-team-member'
import { ObjectionPanel } from './care-team-objection'
import { DeliveryList } from './delivery-list'
import { QueryState } from './query-state'
import { ShareWithGp } from './share-with-gp'
import './care-team.css'

/** While a delivery is on its way, the section looks again this often (settled ones need no looking). */
const FOLLOW_MS = 2000

/**
 * The patient's care team (behandlingsteam; issue 18): the objection said
 * plainly first, then the members and their relationships, the forwarding
 * recipients and what each gets, and the deliveries with their status.
 * Managers (the municipality's nurses, clinicians, administrator) add and
 * end relationships, record objections and share an alert with the GP;
 * others (the outside GP) read.
 */
export function CareTeamSection({ patientId }: { patientId: string }) {
  const i18n = useI18n()
  const { t } = i18n
  const id = useId()
  const queryClient = useQueryClient()
  const [isAdding, setAdding] = useState(false)
  const [message, setMessage] = useState('')
  const addButton = useRef<HTMLButtonElement>(null)
  const team = useQuery({
    queryKey: queryKeys.careTeam(patientId),
    queryFn: ({ signal }) => getCareTeam(patientId, signal),
    refetchInterval: (q) => (q.state.data?.deliveries.some((d) => d.status === 'pending') ? FOLLOW_MS : false),
  })
  const reload = (said: string) => {
    setMessage(said)
    void queryClient.invalidateQueries({ queryKey: queryKeys.careTeam(patientId) })
    // who may see the patient changed: the list and the patient itself are read again
    void queryClient.invalidateQueries({ queryKey: queryKeys.patients })
  }
  const data = team.data
  if (!data) {
    return (
      <section className="care-team" aria-labelledby={`${id}-title`} aria-busy={team.isError ? undefined : 'true'}>
        <h2 id={`${id}-title`}>{t('careTeam.title')}</h2>
        <QueryState query={team} errorMessage={t('careTeam.loadError')} />
      </section>
    )
  }
  const active = data.members.filter((m) => m.isActive)
  const ended = data.members.filter((m) => !m.isActive)
  const card = (m: CareTeam['members'][number]) => (
    <CareTeamMemberCard key={m.id} patientId={patientId} member={m} canManage={data.canManage}
      onEnded={(member) => reload(t('careTeam.didEnd') + ` (${memberName(member)})`)} />
  )

  return (
    <section className="care-team" aria-labelledby={`${id}-title`} data-testid="care-team">
      <h2 id={`${id}-title`}>{t('careTeam.title')}</h2>
      <p className="care-team__intro">{t('careTeam.intro')}</p>
      <p className="visually-hidden" aria-live="polite">{message}</p>
      {message && <p className="notice notice--success">{message}</p>}

      <ObjectionPanel patientId={patientId} team={data} onChanged={reload} />

      <section className="team-part" aria-labelledby={`${id}-members`}>
        <h3 id={`${id}-members`}>{t('careTeam.members')}</h3>
        {active.length === 0 && <p className="team-part__plain">{t('careTeam.noMembers')}</p>}
        <div className="team-members">{active.map(card)}</div>
        {ended.length > 0 && (
          <details className="team-ended">
            <summary>{t('careTeam.endedMembers', { count: ended.length })}</summary>
            <div className="team-members">{ended.map(card)}</div>
          </details>
        )}
        {data.canManage && !isAdding && (
          <button ref={addButton} type="button" className="button button--primary" onClick={() => { setAdding(true); setMessage('') }}>
            {t('careTeam.add')}
          </button>
        )}
        {isAdding && (
          <AddMemberForm patientId={patientId} team={data}
            onAdded={(m) => { setAdding(false); reload(t('careTeam.didAdd', { name: memberName(m) })) }}
            onCancel={() => { setAdding(false); addButton.current?.focus() }} />
        )}
      </section>

      <section className="team-part" aria-labelledby={`${id}-recipients`}>
        <h3 id={`${id}-recipients`}>{t('careTeam.recipients')}</h3>
        {data.recipients.length === 0 ? <p className="team-part__plain">{t('careTeam.noRecipients')}</p> : (
          <ul className="recipient-list">
            {data.recipients.map((r) => (
              <li key={r.id}>
                <strong>{r.name}</strong>
                {r.organisationNumber && <> · {t('careTeam.orgNumber', { value: r.organisationNumber })}</>}
                {r.herId && <> · {t('careTeam.herId', { value: r.herId })}</>}
                <span className="recipient-list__gets">{t('careTeam.gets', { what: sendsText(r, i18n) })}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="team-part" aria-labelledby={`${id}-deliveries`}>
        <h3 id={`${id}-deliveries`}>{t('deliveries.title')}</h3>
        {data.canManage && <ShareAlerts patientId={patientId} />}
        {data.deliveries.length === 0 ? <p className="team-part__plain">{t('deliveries.none')}</p> : <DeliveryList deliveries={data.deliveries} />}
      </section>
    </section>
  )
}

function sendsText(r: ForwardingRecipient, { t }: Pick<I18n, 't'>): string {
  const parts = [r.sends.redAlerts && t('careTeam.sends.redAlerts'), r.sends.dailyReadings && t('careTeam.sends.dailyReadings')].filter(Boolean)
  return parts.length ? parts.join(', ') : t('careTeam.sends.nothing')
}

/** The patient's open alerts, each with "Del med fastlege". */
function ShareAlerts({ patientId }: { patientId: string }) {
  const { t, language, locale } = useI18n()
  const id = useId()
  const alerts = useQuery({
    queryKey: [...queryKeys.alerts, 'patient', patientId],
    queryFn: ({ signal }) => listOpenAlertsOf(patientId, signal),
  })
  const items = alerts.data ?? []
  return (
    <div className="share-alerts" aria-labelledby={`${id}-title`} role="group">
      <h4 id={`${id}-title`}>{t('deliveries.shareAlerts')}</h4>
      {alerts.data && items.length === 0 && <p className="team-part__plain">{t('deliveries.noAlerts')}</p>}
      <ul className="share-alerts__list">
        {items.map((a) => (
          <li key={a.id}>
            <p id={`${id}-${a.id}`}>
              <span className={`severity severity--${a.severity}`}>{t(`alerts.severity.${a.severity}`)}</span>{' '}
              {a.summaries?.[language] ?? a.summary} · <time dateTime={a.openedAt}>{formatWeekdayDateTime(a.openedAt, locale)}</time>
            </p>
            <ShareWithGp alertId={a.id} patientId={patientId} describedBy={`${id}-${a.id}`} />
          </li>
        ))}
      </ul>
    </div>
  )
}
