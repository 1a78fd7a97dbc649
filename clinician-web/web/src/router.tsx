import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

/**
 * A tiny history router: four routes do not need a library. The server
 * answers every non-API path with index.html, so deep links work.
 */

export type Route =
  | { name: 'patients' }
  | { name: 'patient'; patientId: string }
  | { name: 'alerts' }
  | { name: 'login' }
  | { name: 'not-found' }

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/'
  if (path === '/') return { name: 'patients' }
  if (path === '/alerts') return { name: 'alerts' }
  if (path === '/login') return { name: 'login' }
  const patient = /^\/patients\/([^/]+)$/.exec(path)
  if (patient?.[1]) return { name: 'patient', patientId: decodeURIComponent(patient[1]) }
  return { name: 'not-found' }
}

export const paths = {
  patients: () => '/',
  patient: (id: string) => `/patients/${encodeURIComponent(id)}`,
  alerts: () => '/alerts',
  login: (next?: string) =>
    next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login',
}

const NAVIGATE_EVENT = 'varde:navigate'

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentUrl()) return
  if (options.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

function subscribe(notify: () => void): () => void {
  window.addEventListener('popstate', notify)
  window.addEventListener(NAVIGATE_EVENT, notify)
  return () => {
    window.removeEventListener('popstate', notify)
    window.removeEventListener(NAVIGATE_EVENT, notify)
  }
}

const currentUrl = () => window.location.pathname + window.location.search

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const url = useSyncExternalStore(subscribe, currentUrl)
  const q = url.indexOf('?')
  return q < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, q), search: url.slice(q) }
}

/** Where to go after login: only our own paths, never another origin. */
export function safeNextPath(search: string): string {
  const next = new URLSearchParams(search).get('next')
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')
    ? next
    : '/'
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string }

/** An ordinary link (middle-click, copy address work) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event)
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return
    if (rest.target && rest.target !== '_self') return
    event.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={handleClick} {...rest} />
}
