import { isApiError } from '../api/http'
import { useI18n } from '../i18n/i18n'

/** A failed load, said plainly, with a way to try again. */
export function LoadError({
  message,
  error,
  onRetry,
}: {
  message: string
  error: unknown
  onRetry?: () => void
}) {
  const { t } = useI18n()
  const isNetwork = isApiError(error) && error.status === 0
  return (
    <div className="notice notice--error" role="alert">
      <p>{message}</p>
      {isNetwork && <p>{t('app.networkError')}</p>}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  )
}
