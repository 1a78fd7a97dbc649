import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { setUnauthorizedHandler } from './api/http'
import { LiveEvents } from './api/live-events'
import { LiveEventsProvider } from './api/live-events-context'
import { getSession, logOut } from './api/session'
import type { SessionInfo } from '@varde/api-contract'
import { LoadError } from './components/load-error'
import { TopBar } from './components/top-bar'
import { I18nProvider, useI18n, type Language } from './i18n/i18n'
import { AlertsPage } from './pages/alerts-page'
import { LoginPage } from './pages/login-page'
import { NotFoundPage } from './pages/not-found-page'
import { PatientListPage } from './pages/patient-list-page'
import { matchRoute, navigate, paths, safeNextPath, useLocation, type Route } from './router'

// the charts (Recharts) load with the first patient page, not with the list a nurse starts on
const loadPatientPage = () => import('./pages/patient-page')
const PatientPage = lazy(() => loadPatientPage().then((m) => ({ default: m.PatientPage })))

type SessionState =
  | { kind: 'checking' }
  | { kind: 'error'; error: unknown }
  | { kind: 'anonymous'; hasEnded: boolean }
  | { kind: 'signed-in'; session: SessionInfo }

export function App({ initialLanguage }: { initialLanguage?: Language } = {}) {
  return (
    <I18nProvider {...(initialLanguage ? { initialLanguage } : {})}>
      <Shell />
    </I18nProvider>
  )
}

function Shell() {
  const { t } = useI18n()
  const location = useLocation()
  const route = matchRoute(location.pathname)
  const [state, setState] = useState<SessionState>({ kind: 'checking' })

  const checkSession = useCallback(async () => {
    try {
      const session = await getSession()
      setState(session ? { kind: 'signed-in', session } : { kind: 'anonymous', hasEnded: false })
    } catch (error) {
      setState({ kind: 'error', error })
    }
  }, [])

  useEffect(() => {
    void checkSession()
  }, [checkSession])

  useEffect(() => {
    // any 401 after login: the session expired or was revoked
    setUnauthorizedHandler(() =>
      setState((s) => (s.kind === 'signed-in' ? { kind: 'anonymous', hasEnded: true } : s)),
    )
    return () => setUnauthorizedHandler(null)
  }, [])

  // /login when signed out (remembering where to return), away from /login once signed in
  useEffect(() => {
    if (state.kind === 'anonymous' && route.name !== 'login') {
      navigate(paths.login(location.pathname + location.search), { replace: true })
    } else if (state.kind === 'signed-in' && route.name === 'login') {
      navigate(safeNextPath(location.search), { replace: true })
    }
  }, [state.kind, route.name, location.pathname, location.search])

  const endSession = useCallback(() => setState({ kind: 'anonymous', hasEnded: true }), [])

  const handleLogOut = useCallback(async () => {
    try {
      await logOut()
    } catch {
      // the cookie may already be gone; signing out locally is what matters
    }
    setState({ kind: 'anonymous', hasEnded: false })
    navigate(paths.login(), { replace: true })
  }, [])

  if (state.kind === 'checking') {
    return (
      <main id="main" className="splash">
        <p>{t('app.loading')}</p>
      </main>
    )
  }
  if (state.kind === 'error') {
    return (
      <main id="main" className="splash">
        <h1>{t('app.name')}</h1>
        <LoadError
          message={t('app.loadError')}
          error={state.error}
          onRetry={() => void checkSession()}
        />
      </main>
    )
  }
  if (state.kind === 'anonymous' || route.name === 'login') {
    return (
      <LoginPage
        onLoggedIn={checkSession}
        hasSessionEnded={state.kind === 'anonymous' && state.hasEnded}
      />
    )
  }
  return (
    <SignedIn
      session={state.session}
      route={route}
      onLogOut={() => void handleLogOut()}
      onSessionEnded={endSession}
    />
  )
}

interface SignedInProps {
  session: SessionInfo
  route: Route
  onLogOut: () => void
  onSessionEnded: () => void
}

function SignedIn({ session, route, onLogOut, onSessionEnded }: SignedInProps) {
  const { t } = useI18n()
  // one event stream per login
  const live = useMemo(() => new LiveEvents(), [session.user.id])
  useEffect(
    () =>
      live.onStatus((status) => {
        // the stream dropped: if it is because the session ended, say so now rather than at the next click
        if (status !== 'reconnecting') return
        getSession().then(
          (s) => s === null && onSessionEnded(),
          () => {},
        )
      }),
    [live, onSessionEnded],
  )
  const routeKey = route.name === 'patient' ? `patient:${route.patientId}` : route.name
  useFocusOnNavigation(routeKey)
  useEffect(() => {
    // fetch the chart code while the nurse reads the list, so the first patient opens at once
    const timer = setTimeout(() => void loadPatientPage().catch(() => {}), 1500)
    return () => clearTimeout(timer)
  }, [])
  return (
    <LiveEventsProvider live={live}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <TopBar session={session} route={route} onLogOut={onLogOut} />
      <main id="main" tabIndex={-1} className="main">
        {route.name === 'patients' && <PatientListPage />}
        {route.name === 'patient' && (
          <Suspense fallback={<p className="page__loading">{t('app.loading')}</p>}>
            <PatientPage key={route.patientId} patientId={route.patientId} />
          </Suspense>
        )}
        {route.name === 'alerts' && <AlertsPage />}
        {(route.name === 'not-found' || route.name === 'login') && <NotFoundPage />}
      </main>
    </LiveEventsProvider>
  )
}

/**
 * After moving to another page (or logging in), focus its heading, so a
 * screen reader starts there rather than on a link that is gone.
 */
function useFocusOnNavigation(routeKey: string) {
  const previous = useRef<string | null>(null)
  useEffect(() => {
    const isNavigation = previous.current !== null && previous.current !== routeKey
    const isFocusLost = document.activeElement === null || document.activeElement === document.body
    previous.current = routeKey
    if (!isNavigation && !isFocusLost) return
    const focusHeading = () => {
      const heading = document.querySelector<HTMLElement>('main h1')
      heading?.focus()
      return heading !== null
    }
    const main = document.querySelector('main')
    if (focusHeading() || !main) return
    // a lazily loaded page has no heading yet: wait for it
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect()
    })
    observer.observe(main, { childList: true, subtree: true })
    return () => observer.disconnect()
  }, [routeKey])
}
