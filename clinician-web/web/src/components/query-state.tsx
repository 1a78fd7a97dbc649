import { useI18n } from '../i18n/i18n'
import { LoadError } from './load-error'

/**
 * What a page shows before its data is there: "Laster …", or the failure
 * with a way to try again. Once data has come, a failed refetch keeps it on
 * screen (the live events and the next refetch will catch up), so this shows
 * nothing then.
 */
export function QueryState({
  query,
  errorMessage,
}: {
  /** A TanStack Query result, or several read as one. */
  query: { data: unknown; isError: boolean; error: unknown; refetch: () => unknown }
  errorMessage: string
}) {
  const { t } = useI18n()
  if (query.data !== undefined) return null
  if (query.isError)
    return (
      <LoadError message={errorMessage} error={query.error} onRetry={() => void query.refetch()} />
    )
  return <p className="page__loading">{t('app.loading')}</p>
}
