import { useI18n } from '../i18n/i18n'
import { Link } from 'react-router'
import { paths } from '../routes'
import { usePageTitle } from './use-page-title'

export function NotFoundPage() {
  const { t } = useI18n()
  usePageTitle(t('notFound.title'))
  return (
    <div className="page">
      <h1 tabIndex={-1}>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <p>
        <Link to={paths.patients()}>{t('notFound.home')}</Link>
      </p>
    </div>
  )
}
