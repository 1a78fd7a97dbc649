import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, type ReactNode } from 'react'
import { listEpisodes } from '../api/episodes'
import { useLiveEvents } from '../api/live-events-context'
import { queryKeys } from '../api/query-keys'
import { useI18n } from '../i18n/i18n'
import { hasRole, useSignedInSession } from '../session/session-context'
import { useRedEpisodeAlarm, type RedEpisodeAlarm } from './use-red-episode-alarm'

/**
 * The red-episode alarm for the whole signed-in portal (issue 20): a red
 * episode that arrives while the portal is in the background calls the nurse
 * wherever she is in it (the list, a patient, the shift), not only from the
 * inbox. It lives in the app shell so it watches the inbox's episodes on every
 * page and remembers what it already announced across page changes (one
 * notification per episode). The inbox page shares the same query (same key)
 * and shows the permission button and the sound switch from this context.
 */

/** A look at the inbox at least this often, besides the live events (a snooze that ended comes back). */
export const INBOX_REFRESH_MS = 30_000

const AlarmContext = createContext<RedEpisodeAlarm | null>(null)

export function RedEpisodeAlarmProvider({ children }: { children: ReactNode }) {
  const { t, tp } = useI18n()
  const queryClient = useQueryClient()
  // those who give care are called; an administrator or a privacy officer opens the inbox when they choose
  const isCarer = hasRole(useSignedInSession(), ['nurse', 'clinician'])
  const inbox = useQuery({
    enabled: isCarer,
    queryKey: queryKeys.episodes('inbox'),
    queryFn: ({ signal }) => listEpisodes('inbox', signal),
    refetchInterval: INBOX_REFRESH_MS,
  })
  const refresh = useCallback(() => void queryClient.invalidateQueries({ queryKey: queryKeys.episodes('inbox') }), [queryClient])
  // a change of any alert is a change of its episode: ask the server to group again
  useLiveEvents({ onAlert: refresh })
  const alarm = useRedEpisodeAlarm(
    inbox.data?.items,
    t('episodes.notificationTitle'),
    useCallback((count: number) => tp('episodes.notificationBody', count), [tp]),
  )
  return <AlarmContext.Provider value={alarm}>{children}</AlarmContext.Provider>
}

/** The shell's alarm (permission, sound); only under RedEpisodeAlarmProvider. */
export function useAlarm(): RedEpisodeAlarm {
  const alarm = useContext(AlarmContext)
  if (!alarm) throw new Error('useAlarm outside RedEpisodeAlarmProvider')
  return alarm
}
