import {
  notifyManager,
  QueryClient,
  QueryClientProvider,
  useQueryClient,
} from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import {
  BrowserRouter,
  Link,
  Navigate,
  NavLink,
  Outlet,
  Route,
  Routes,
  useLocation,
  useNavigate,
  useParams,
} from 'react-router'
import { LiveEvents } from './api/live-events'
import { LiveEventsProvider } from './api/live-events-context'
import { queryKeys } from './api/query-keys'
import { getSession } from './api/session'
import { TopBar } from './components/top-bar'
import { RedEpisodeAlarmProvider } from './notify/alarm-context'
import { I18nProvider, useI18n, type Language } from './i18n/i18n'
import { ChooseTenantPage } from './pages/choose-tenant-page'
import { LoginPage } from './pages/login-page'
import { NotFoundPage } from './pages/not-found-page'
import { PatientListPage } from './pages/patient-list-page'
import { PageSuspense } from './components/page-loading'
import {
  AccessReportPage,
  AdminGatewaysPage,
  AdminUsersPage,
  AdminWhatIfPage,
  AlertsPage,
  DeliveriesPage,
  EnrolPage,
  LogControlPage,
  MyPage,
  PatientPage,
  prefetchPatientPage,
  ShiftPage,
} from './pages/lazy-pages'
import { LanguageSwitch } from './components/language-switch'
import { paths } from './routes'
import { RequireRole, RequireSession, RequireSignedOut } from './session/guards'
import { hasRole, SessionProvider, useSession, useSignedInSession } from './session/session-context'

// A live event written into the cache is on screen in the same task, as when
// pages held their own state: Query's default defers its notifications to a
// timer, and React batches the updates anyway.
notifyManager.setScheduler((notify) => notify())

/**
 * Loading, caching and errors of the API's data (docs/decisions/0015): no
 * retry, since a failed load is shown at once with its own "try again", and
 * no refetch on focus, since live events keep what is shown current.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  })
}

export function App({ initialLanguage }: { initialLanguage?: Language } = {}) {
  const [queryClient] = useState(createQueryClient)
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider {...(initialLanguage ? { initialLanguage } : {})}>
        <BrowserRouter>
          <SessionProvider>
            <AppRoutes />
          </SessionProvider>
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  )
}

/**
 * Every page under the guard it needs (session/guards.tsx). The pages to
 * come go under RequireSignedOut (the OIDC callback) or RequireSession, and
 * there under `<Route element={<RequireRole roles={…} />}>` (the
 * administrator's, the privacy officer's).
 */
function AppRoutes() {
  return (
    <Routes>
      {/* no guard: a person switching tenant may still have the session being replaced (issue 24) */}
      <Route path="/choose-tenant" element={<ChooseTenantPage />} />
      <Route element={<RequireSignedOut />}>
        <Route path="/login" element={<LoginRoute />} />
      </Route>
      <Route element={<RequireSession />}>
        {/* the patient's own part (issue 25): its own layout; a patient never sees the clinician's, nor a clinician this */}
        <Route element={<RequireRole roles={['patient']} />}>
          <Route element={<PatientLayout />}>
            <Route path="/min-side" element={<MyPage />} />
            <Route path="/my-access-log" element={<AccessReportPage />} />
          </Route>
        </Route>
        <Route element={<StaffOnly />}>
        <Route element={<SignedInLayout />}>
          <Route index element={<PatientListPage />} />
          <Route path="/patients/:patientId" element={<PatientRoute />} />
          <Route path="/alerts" element={<AlertsPage />} />
          {/* the nurse's shift (issue 20, docs/decisions/0034): for those who give care and the administrator who assigns */}
          <Route element={<RequireRole roles={['nurse', 'clinician', 'admin']} />}>
            <Route path="/vakt" element={<ShiftPage />} />
          </Route>
          <Route element={<RequireRole roles={['admin']} />}>
            <Route path="/admin/gateways" element={<AdminGatewaysPage />} />
            <Route path="/admin/users" element={<AdminUsersPage />} />
            <Route path="/admin/enrol" element={<EnrolPage />} />
            <Route path="/admin/deliveries" element={<DeliveriesPage />} />
            <Route path="/admin/what-if" element={<AdminWhatIfPage />} />
          </Route>
          <Route element={<RequireRole roles={['privacy-officer']} />}>
            <Route path="/log-control" element={<LogControlPage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
        </Route>
      </Route>
    </Routes>
  )
}

function LoginRoute() {
  const { state, refresh } = useSession()
  return (
    <LoginPage
      onLoggedIn={refresh}
      hasSessionEnded={state.kind === 'anonymous' && state.hasEnded}
    />
  )
}

function PatientRoute() {
  const { patientId = '' } = useParams()
  return <PatientPage key={patientId} patientId={patientId} />
}

/** The clinician's part: a patient user is taken to their own page instead. */
function StaffOnly() {
  const session = useSignedInSession()
  if (hasRole(session, ['patient'])) return <Navigate to={paths.myPage()} replace />
  return <Outlet />
}

/** The patient's layout: large type, few links, phone first (pages/my-page.css). */
function PatientLayout() {
  const { t } = useI18n()
  const { logOut } = useSession()
  const navigate = useNavigate()
  const location = useLocation()
  useFocusOnNavigation(location.pathname)
  const handleLogOut = async () => {
    await logOut()
    navigate(paths.login(), { replace: true })
  }
  return (
    <div className="patient-layout">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="patient-layout__bar">
        <Link className="patient-layout__brand" to={paths.myPage()}>{t('app.name')}</Link>
        <nav aria-label={t('nav.label')} className="patient-layout__nav">
          <NavLink to={paths.myPage()} end>{t('myPage.nav')}</NavLink>
          <NavLink to={paths.accessReport()}>{t('myPage.nav.access')}</NavLink>
        </nav>
        <LanguageSwitch className="patient-layout__language" />
        <button type="button" className="patient-layout__logout" onClick={() => void handleLogOut()}>{t('topBar.logOut')}</button>
      </header>
      <main id="main" tabIndex={-1} className="main patient-layout__main">
        <PageSuspense>
          <Outlet />
        </PageSuspense>
      </main>
    </div>
  )
}

function SignedInLayout() {
  const { t } = useI18n()
  const session = useSignedInSession()
  const { end, logOut } = useSession()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const location = useLocation()
  // one event stream per login
  const live = useMemo(() => new LiveEvents(), [session.user.id])
  useEffect(
    () =>
      live.onStatus((status) => {
        // the stream dropped: if it is because the session ended, say so now rather than at the next click
        if (status !== 'reconnecting') return
        getSession().then(
          (s) => s === null && end(),
          () => {},
        )
      }),
    [live, end],
  )
  useEffect(
    () =>
      // events may have been missed while the stream was down: whatever is shown is loaded again
      live.subscribe({
        onResync: () =>
          void queryClient.invalidateQueries({
            predicate: (q) => q.queryKey[0] !== queryKeys.session[0],
          }),
      }),
    [live, queryClient],
  )
  useFocusOnNavigation(location.pathname)
  useEffect(() => {
    // fetch the chart code while the nurse reads the list, so the first patient opens at once
    const timer = setTimeout(prefetchPatientPage, 1500)
    return () => clearTimeout(timer)
  }, [])
  const handleLogOut = async () => {
    await logOut()
    navigate(paths.login(), { replace: true })
  }
  return (
    <LiveEventsProvider live={live}>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      {/* the red-episode alarm on every page of the portal, not only the inbox (issue 20) */}
      <RedEpisodeAlarmProvider>
        <TopBar session={session} onLogOut={() => void handleLogOut()} />
        <main id="main" tabIndex={-1} className="main">
          {/* a lazy page waits here: the top bar stays, only the page's place says "Laster …" */}
          <PageSuspense>
            <Outlet />
          </PageSuspense>
        </main>
      </RedEpisodeAlarmProvider>
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
