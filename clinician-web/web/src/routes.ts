/**
 * The portal's addresses, built in one place. react-router matches them
 * (app.tsx); the server answers every non-API path with index.html, so deep
 * links work.
 */
export const paths = {
  patients: () => '/',
  patient: (id: string) => `/patients/${encodeURIComponent(id)}`,
  alerts: () => '/alerts',
  shift: () => '/vakt',
  adminGateways: () => '/admin/gateways',
  adminUsers: () => '/admin/users',
  enrol: () => '/admin/enrol',
  deliveries: () => '/admin/deliveries',
  adminWhatIf: () => '/admin/what-if',
  logControl: () => '/log-control',
  accessReport: () => '/my-access-log',
  myPage: () => '/min-side',
  login: (next?: string) =>
    next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login',
}

/** Where to go after login: only our own paths, never another origin. */
export function safeNextPath(search: string): string {
  const next = new URLSearchParams(search).get('next')
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')
    ? next
    : '/'
}
