import { Component, Suspense, type ReactNode } from 'react'
import { useLocation } from 'react-router'
import { useI18n } from '../i18n/i18n'

/**
 * Where a lazily loaded page (pages/lazy-pages.ts) waits for its code:
 * "Laster …" in the page's place, announced politely, with the top bar still
 * standing.
 */
export function PageLoading() {
  const { t } = useI18n()
  return (
    <p className="page__loading" role="status">
      {t('app.loading')}
    </p>
  )
}

/**
 * A page's code that can't be fetched (a deploy replaced it since the portal
 * was opened, or the network dropped) is said in the page's place with a way
 * to reload, rather than leaving a blank window. A new address starts afresh.
 */
export function PageSuspense({ children }: { children: ReactNode }) {
  const { pathname } = useLocation()
  return (
    <PageErrorBoundary key={pathname}>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </PageErrorBoundary>
  )
}

class PageErrorBoundary extends Component<{ children: ReactNode }, { hasFailed: boolean }> {
  override state = { hasFailed: false }

  static getDerivedStateFromError(): { hasFailed: boolean } {
    return { hasFailed: true }
  }

  override render() {
    return this.state.hasFailed ? <PageLoadFailed /> : this.props.children
  }
}

function PageLoadFailed() {
  const { t } = useI18n()
  return (
    <div className="notice notice--error" role="alert">
      <p>{t('app.pageLoadError')}</p>
      <button type="button" className="button" onClick={() => window.location.reload()}>
        {t('app.reload')}
      </button>
    </div>
  )
}
