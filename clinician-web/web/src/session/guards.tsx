import type { Role } from '@varde/api-contract'
import type { ReactNode } from 'react'
import { Navigate, Outlet, useLocation } from 'react-router'
import { LoadError } from '../components/load-error'
import { useI18n } from '../i18n/i18n'
import { NotFoundPage } from '../pages/not-found-page'
import { paths, safeNextPath } from '../routes'
import { hasRole, useSession } from './session-context'

/**
 * Route guards, as layout routes (app.tsx): each renders its child routes
 * (`<Outlet />`) only for the callers it admits. The pages to come (the
 * administrator's, the privacy officer's, the patient's own, the OIDC
 * callback) are placed under the guard they need rather than each checking
 * for itself.
 */

function Splash({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="splash">
      {children}
    </main>
  )
}

/** While the session is being checked, or could not be: the same screens for every guard. */
function SessionPending() {
  const { t } = useI18n()
  const { state } = useSession()
  if (state.kind === 'error')
    return (
      <Splash>
        <h1>{t('app.name')}</h1>
        <LoadError message={t('app.loadError')} error={state.error} onRetry={state.retry} />
      </Splash>
    )
  return (
    <Splash>
      <p>{t('app.loading')}</p>
    </Splash>
  )
}

/** Signed-in users only; anyone else goes to /login, remembering where they were going. */
export function RequireSession() {
  const { state } = useSession()
  const location = useLocation()
  if (state.kind === 'checking' || state.kind === 'error') return <SessionPending />
  if (state.kind === 'anonymous') {
    const next = state.hasLoggedOut ? undefined : location.pathname + location.search
    return <Navigate to={paths.login(next)} replace />
  }
  return <Outlet />
}

/** Only the signed-out (the login page, the OIDC callback); a signed-in user goes on to `next`. */
export function RequireSignedOut() {
  const { state } = useSession()
  const location = useLocation()
  if (state.kind === 'checking' || state.kind === 'error') return <SessionPending />
  if (state.kind === 'signed-in') return <Navigate to={safeNextPath(location.search)} replace />
  return <Outlet />
}

/**
 * Users with one of `roles` (below RequireSession). Others are told the page
 * does not exist, as the server answers 404 rather than 403 for what a
 * caller may not see.
 */
export function RequireRole({ roles }: { roles: readonly Role[] }) {
  const { state } = useSession()
  if (state.kind !== 'signed-in' || !hasRole(state.session, roles)) return <NotFoundPage />
  return <Outlet />
}
