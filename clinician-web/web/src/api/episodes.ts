import type { Episode, ResolveOutcome } from '@varde/api-contract'
import { requestJson } from './http'

/**
 * Episodes (issue 20, ADR 0027 and 0033): the inbox's cards. Every action is
 * on the whole episode; each answers with the episode as it is now.
 */

export interface EpisodeList {
  items: Episode[]
  /** The platform's time now (it may be moved): a snooze's end is timed by it. */
  now: string
}

/** GET /api/episodes (the inbox), or `?snoozed=only` (the snoozed ones, out of it). */
export function listEpisodes(which: 'inbox' | 'snoozed', signal?: AbortSignal): Promise<EpisodeList> {
  return requestJson<EpisodeList>('GET', which === 'snoozed' ? '/api/episodes?snoozed=only' : '/api/episodes', signal ? { signal } : {})
}

const path = (id: string, action: string) => `/api/episodes/${encodeURIComponent(id)}/${action}`

export function acknowledgeEpisode(id: string): Promise<Episode> {
  return requestJson<Episode>('POST', path(id, 'acknowledge'), { body: {} })
}

/** Makes `userId` responsible for the whole episode (null: nobody). */
export function assignEpisode(id: string, userId: string | null): Promise<Episode> {
  return requestJson<Episode>('POST', path(id, 'assign'), { body: { userId } })
}

export function resolveEpisode(id: string, outcome: ResolveOutcome, note?: string): Promise<Episode> {
  const trimmed = note?.trim()
  return requestJson<Episode>('POST', path(id, 'resolve'), { body: trimmed ? { outcome, note: trimmed } : { outcome } })
}

export function snoozeEpisode(id: string, until: Date, reason: string): Promise<Episode> {
  return requestJson<Episode>('POST', path(id, 'snooze'), { body: { until: until.toISOString(), reason: reason.trim() } })
}

export function endEpisodeSnooze(id: string): Promise<Episode> {
  return requestJson<Episode>('DELETE', path(id, 'snooze'))
}
