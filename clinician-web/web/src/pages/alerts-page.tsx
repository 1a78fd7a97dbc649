import type { Episode } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { TEAM_MANAGER_ROLES } from '../api/care-team'
import {
  acknowledgeEpisode, assignEpisode, endEpisodeSnooze, listEpisodes, resolveEpisode, snoozeEpisode, type EpisodeList,
} from '../api/episodes'
import { isApiError } from '../api/http'
import { useLiveEvents } from '../api/live-events-context'
import { queryKeys } from '../api/query-keys'
import { EpisodeCard, type EpisodeAction } from '../components/episode-card'
import { QueryState } from '../components/query-state'
import { useI18n } from '../i18n/i18n'
import { INBOX_REFRESH_MS, useAlarm } from '../notify/alarm-context'
import { hasRole, useSignedInSession } from '../session/session-context'
import { useInboxKeys, type InboxKey } from './inbox-keys'
import { usePageTitle } from './use-page-title'
import type { ResolveOutcome } from '@varde/api-contract'

/** A look at the inbox at least this often: a snooze that ended while the platform clock was moved comes back too. */
const REFRESH_MS = INBOX_REFRESH_MS

/** The inbox's groups, in the order the keys walk them. */
export function groupInbox(episodes: readonly Episode[]) {
  const clinical = episodes.filter((e) => e.kind === 'clinical')
  return {
    open: clinical.filter((e) => e.status === 'open'),
    acknowledged: clinical.filter((e) => e.status === 'acknowledged'),
    technical: episodes.filter((e) => e.kind === 'technical'),
  }
}

/**
 * The inbox (issue 20, ADR 0027 and 0033): one card per episode, clinical
 * ones to act on and those under follow-up, technical ones (gateway, battery,
 * a missed measurement) apart, and the snoozed ones out of the way until their
 * time. The server groups; a live `alert` event asks it again. Keys: j/k or
 * the arrows move, Enter opens, a acknowledges (inbox-keys.ts).
 */
export function AlertsPage() {
  const { t } = useI18n()
  usePageTitle(t('alerts.title'))
  const session = useSignedInSession()
  const canShare = hasRole(session, TEAM_MANAGER_ROLES)
  const [message, setMessage] = useState('')
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [openIds, setOpenIds] = useState<ReadonlySet<string>>(new Set())
  const queryClient = useQueryClient()
  const cards = useRef(new Map<string, HTMLElement>())
  /** Platform time minus this browser's, from the last answer (the platform clock may be moved). */
  const clockOffset = useRef(0)

  // the shell's alarm shares the inbox query (same key, its own queryFn): the offset is read from the data and when it came
  const remember = (list: EpisodeList | undefined, at: number) => {
    if (list) clockOffset.current = Date.parse(list.now) - at
  }
  const inbox = useQuery({
    queryKey: queryKeys.episodes('inbox'),
    queryFn: ({ signal }) => listEpisodes('inbox', signal),
    refetchInterval: REFRESH_MS,
  })
  const snoozed = useQuery({
    queryKey: queryKeys.episodes('snoozed'),
    queryFn: ({ signal }) => listEpisodes('snoozed', signal),
    refetchInterval: REFRESH_MS,
  })
  remember(inbox.data, inbox.dataUpdatedAt)
  remember(snoozed.data, snoozed.dataUpdatedAt)
  const platformNow = useCallback(() => new Date(Date.now() + clockOffset.current), [])
  const refresh = useCallback(() => void queryClient.invalidateQueries({ queryKey: queryKeys.episodesAll }), [queryClient])

  // a change of any alert is a change of its episode: ask the server to group again
  useLiveEvents({ onAlert: refresh, onResync: refresh })

  // back by itself: at the earliest snooze's end, look again
  const nextReturn = snoozed.data?.items.reduce<number | null>((soonest, e) => {
    const until = e.snooze ? Date.parse(e.snooze.until) : null
    return until !== null && (soonest === null || until < soonest) ? until : soonest
  }, null)
  useEffect(() => {
    if (nextReturn == null) return
    const timer = setTimeout(refresh, Math.max(0, nextReturn - platformNow().getTime()) + 250)
    return () => clearTimeout(timer)
  }, [nextReturn, platformNow, refresh])

  // the alarm itself is the app shell's (notify/alarm-context.tsx): it calls from every page
  const alarm = useAlarm()

  const groups = useMemo(() => groupInbox(inbox.data?.items ?? []), [inbox.data])
  const order = useMemo(
    () => [...groups.open, ...groups.acknowledged, ...groups.technical, ...(snoozed.data?.items ?? [])].map((e) => e.id),
    [groups, snoozed.data],
  )
  const selected = selectedId !== null && order.includes(selectedId) ? selectedId : order[0] ?? null

  const act = useCallback(
    async (episode: Episode, action: EpisodeAction, input: { outcome?: string; note?: string; until?: Date; reason?: string } = {}) => {
      try {
        const changed =
          action === 'acknowledge' ? await acknowledgeEpisode(episode.id)
          : action === 'assign' ? await assignEpisode(episode.id, session.user.id)
          : action === 'resolve' ? await resolveEpisode(episode.id, input.outcome as ResolveOutcome, input.note)
          : action === 'snooze' ? await snoozeEpisode(episode.id, input.until!, input.reason ?? '')
          : await endEpisodeSnooze(episode.id)
        setMessage(t(`episodes.did.${action}`, { name: changed.patientName }))
        if (action === 'resolve' || action === 'snooze') {
          // the card leaves: keep the nurse on the next one
          const next = order[order.indexOf(episode.id) + 1] ?? order[order.indexOf(episode.id) - 1] ?? null
          setSelectedId(next)
          if (next) requestAnimationFrame(() => cards.current.get(next)?.focus())
        }
      } catch (error) {
        if (isApiError(error) && error.status === 409) setMessage(t('alerts.changedElsewhere'))
        else throw error
      } finally {
        await queryClient.invalidateQueries({ queryKey: queryKeys.episodesAll })
      }
    },
    [order, queryClient, session.user.id, t],
  )

  const onKey = useCallback(
    (key: InboxKey) => {
      if (selected === null) return
      const at = order.indexOf(selected)
      if (key === 'next' || key === 'previous') {
        const next = order[Math.min(order.length - 1, Math.max(0, at + (key === 'next' ? 1 : -1)))]
        if (next) {
          setSelectedId(next)
          cards.current.get(next)?.focus() // focus scrolls it into view
        }
      } else if (key === 'open') {
        setOpenIds((ids) => toggled(ids, selected))
      } else {
        const episode = [...(inbox.data?.items ?? [])].find((e) => e.id === selected)
        if (episode?.status === 'open') void act(episode, 'acknowledge').catch(() => setMessage(t('alerts.actionError', { message: '' })))
      }
    },
    [act, inbox.data, order, selected, t],
  )
  useInboxKeys(onKey)

  const card = (e: Episode) => (
    <li key={e.id}>
      <EpisodeCard
        ref={(el) => { if (el) cards.current.set(e.id, el); else cards.current.delete(e.id) }}
        episode={e}
        act={(action, input) => act(e, action, input)}
        now={platformNow}
        userId={session.user.id}
        isSelected={selected === e.id}
        isOpen={openIds.has(e.id)}
        onToggleOpen={() => setOpenIds((ids) => toggled(ids, e.id))}
        onSelect={() => setSelectedId(e.id)}
        canShare={canShare}
      />
    </li>
  )
  const group = (id: string, title: string, items: readonly Episode[], empty: string, note?: string) => (
    <section className="alert-group" aria-labelledby={id}>
      <h2 id={id}>
        {title} <span className="count">{items.length}</span>
      </h2>
      {note && <p className="page__note">{note}</p>}
      {items.length === 0 ? <p className="empty">{empty}</p> : <ul className="alert-list">{items.map(card)}</ul>}
    </section>
  )

  return (
    <div className="page page--alerts">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('alerts.title')}</h1>
        <p className="page__note">{t('episodes.sortNote')}</p>
      </div>
      <div className="inbox-tools">
        <p className="inbox-keys" id="inbox-keys">
          <span className="visually-hidden">{t('episodes.keysLabel')} </span>
          <kbd>j</kbd>/<kbd>k</kbd> {t('episodes.keyMove')} · <kbd>Enter</kbd> {t('episodes.keyOpen')} · <kbd>a</kbd> {t('episodes.keyAcknowledge')}
        </p>
        <div className="inbox-alarm">
          {alarm.permission === 'default' && (
            <button type="button" className="button" onClick={() => void alarm.askPermission()}>
              {t('episodes.allowNotifications')}
            </button>
          )}
          {alarm.permission === 'granted' && <p className="page__note">{t('episodes.notificationsOn')}</p>}
          {alarm.permission === 'denied' && <p className="page__note">{t('episodes.notificationsDenied')}</p>}
          <label className="list-filters__check">
            <input type="checkbox" checked={alarm.isSoundOn} onChange={(ev) => alarm.setSoundOn(ev.target.checked)} />
            {t('episodes.sound')}
          </label>
        </div>
      </div>
      <p className={message ? 'notice notice--success' : 'visually-hidden'} role="status">
        {message}
      </p>
      <QueryState query={inbox} errorMessage={t('alerts.loadError')} />
      {inbox.data && (
        <>
          {group('alerts-open-heading', t('alerts.open'), groups.open, t('alerts.noneOpen'))}
          {group('alerts-acknowledged-heading', t('alerts.acknowledged'), groups.acknowledged, t('alerts.noneAcknowledged'))}
          {group('alerts-technical-heading', t('episodes.technical'), groups.technical, t('episodes.noneTechnical'), t('episodes.technicalNote'))}
          {group('alerts-snoozed-heading', t('episodes.snoozed'), snoozed.data?.items ?? [], t('episodes.noneSnoozed'))}
        </>
      )}
    </div>
  )
}

function toggled(ids: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const next = new Set(ids)
  if (!next.delete(id)) next.add(id)
  return next
}
