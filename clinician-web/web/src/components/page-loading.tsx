import { Suspense, type ReactNode } from 'react'
import { useI18n } from '../i18n/i18n'

/**
 * Where a lazily loaded page (app.tsx) waits for its code: "Laster …" in the
 * page's place, announced politely, with the top bar still standing.
 */
export function PageLoading() {
  const { t } = useI18n()
  return (
    <p className="page__loading" role="status">
      {t('app.loading')}
    </p>
  )
}

export function PageSuspense({ children }: { children: ReactNode }) {
  return <Suspense fallback={<PageLoading />}>{children}</Suspense>
}
