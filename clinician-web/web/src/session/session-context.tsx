import type { Role, SessionInfo } from '@varde/api-contract'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import {
  createContext,
  use,
  useCallback,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react'
import { setUnauthorizedHandler } from '../api/http'
import { queryKeys } from '../api/query-keys'
import { getSession, logOut, logOutOfHelseId, logOutOfIdPorten } from '../api/session'

export type SessionState =
  | { kind: 'checking' }
  | { kind: 'error'; error: unknown; retry: () => void }
  /** `hasEnded`: the session ended elsewhere; `hasLoggedOut`: the user logged out here. */
  | { kind: 'anonymous'; hasEnded: boolean; hasLoggedOut: boolean }
  | { kind: 'signed-in'; session: SessionInfo }

interface SessionApi {
  state: SessionState
  /** After a login: load who is signed in. */
  refresh(): Promise<void>
  /** The session ended elsewhere (a 401, a dropped stream that finds no session): say so on the login page. */
  end(): void
  logOut(): Promise<void>
}

const SessionContext = createContext<SessionApi | null>(null)

/**
 * Who is signed in, as one query (`GET /api/session`), shared by the route
 * guards (session/guards.tsx) and the top bar. Any 401 after login ends it.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient()
  const query = useQuery({
    queryKey: queryKeys.session,
    queryFn: ({ signal }) => getSession(signal),
  })
  const [signOut, setSignOut] = useState<'ended' | 'logged-out' | null>(null)
  const { refetch } = query

  const end = useCallback(() => {
    if (queryClient.getQueryData(queryKeys.session) === null) return
    setSignOut('ended')
    queryClient.setQueryData(queryKeys.session, null)
  }, [queryClient])

  const isSignedOut = query.data === null
  useEffect(() => {
    // the next user starts with nothing of this one's in the cache (run once the pages have gone)
    if (isSignedOut)
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.session[0] })
  }, [isSignedOut, queryClient])

  useEffect(() => {
    setUnauthorizedHandler(end)
    return () => setUnauthorizedHandler(null)
  }, [end])

  const api = useMemo<SessionApi>(() => {
    const state: SessionState =
      query.data === undefined
        ? query.isError
          ? { kind: 'error', error: query.error, retry: () => void refetch() }
          : { kind: 'checking' }
        : query.data === null
          ? {
              kind: 'anonymous',
              hasEnded: signOut === 'ended',
              hasLoggedOut: signOut === 'logged-out',
            }
          : { kind: 'signed-in', session: query.data }
    return {
      state,
      refresh: async () => {
        const result = await refetch()
        if (result.data) setSignOut(null)
      },
      end,
      logOut: async () => {
        let helseIdLogout: string | null = null
        try {
          // a HelseID session ends at HelseID too (single logout), which sends the browser back to /login
          if (query.data?.authMethod === 'helseid') helseIdLogout = await logOutOfHelseId()
          // a patient's ID-porten session likewise ends at ID-porten (issue 25)
          else if (query.data?.authMethod === 'idporten') helseIdLogout = await logOutOfIdPorten()
          else await logOut()
        } catch {
          // the cookie may already be gone; signing out locally is what matters
        }
        if (helseIdLogout) {
          window.location.assign(helseIdLogout)
          return
        }
        setSignOut('logged-out')
        queryClient.setQueryData(queryKeys.session, null)
      },
    }
  }, [query.data, query.isError, query.error, refetch, signOut, end, queryClient])

  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>
}

export function useSession(): SessionApi {
  const api = use(SessionContext)
  if (!api) throw new Error('useSession outside SessionProvider')
  return api
}

/** The signed-in user's session; only below RequireSession. */
export function useSignedInSession(): SessionInfo {
  const { state } = useSession()
  if (state.kind !== 'signed-in') throw new Error('useSignedInSession outside RequireSession')
  return state.session
}

export const hasRole = (session: SessionInfo, roles: readonly Role[]): boolean =>
  roles.includes(session.user.role)
