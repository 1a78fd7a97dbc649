import type { TenantChoice } from '@varde/api-contract'
import { useEffect, useState } from 'react'
import { chooseTenant, getTenantChoice } from '../api/session'
import { LanguageSwitch } from '../components/language-switch'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { usePageTitle } from './use-page-title'

/** Only a path of the portal itself (the server checked it too). */
const safeReturnTo = (search: string): string => {
  const to = new URLSearchParams(search).get('returnTo')
  return to && to.startsWith('/') && !to.startsWith('//') && !to.startsWith('/login') ? to : '/'
}

/**
 * After a HelseID login of a person who is a user in several tenants (a
 * nurse working for two municipalities; issue 24, docs/decisions/0026): they
 * pick the one to work in now, and the session is that tenant's alone. To
 * switch, they log in again and pick another (a new session, logged in each
 * tenant). The choice lives 5 minutes on the server, in an HttpOnly cookie.
 */
export function ChooseTenantPage() {
  const { t } = useI18n()
  usePageTitle(t('chooseTenant.title'))
  // read once, outside the query cache: signing out (no session here yet) clears the cache
  const [offer, setOffer] = useState<{ choice: TenantChoice } | { failure: unknown } | null>(null)
  useEffect(() => {
    let isCurrent = true
    getTenantChoice().then((choice) => { if (isCurrent) setOffer({ choice }) }, (failure: unknown) => { if (isCurrent) setOffer({ failure }) })
    return () => { isCurrent = false }
  }, [])
  const [error, setError] = useState<unknown>(null)
  const [picking, setPicking] = useState<string | null>(null)

  async function pick(tenantId: string) {
    setPicking(tenantId)
    setError(null)
    try {
      await chooseTenant(tenantId)
      // a full load: the portal starts afresh in the tenant picked
      window.location.assign(safeReturnTo(window.location.search))
    } catch (e) {
      setError(e)
      setPicking(null)
    }
  }

  const items = offer && 'choice' in offer ? offer.choice.items : []
  const isExpired = offer !== null && 'choice' in offer && items.length === 0
  return (
    <div className="login">
      <header className="login__header">
        <p className="login__product">{t('app.name')}</p>
        <LanguageSwitch className="language-switch--light" />
      </header>
      <main id="main" className="login__main">
        <div className="login__card">
          <h1 tabIndex={-1}>{t('chooseTenant.title')}</h1>
          {offer === null && <p>{t('app.loading')}</p>}
          {offer && 'failure' in offer && <p className="notice notice--error" role="alert">{errorText(offer.failure, t)}</p>}
          {isExpired && <p className="notice notice--error" role="alert">{t('error.tenant-choice-expired')}</p>}
          {error !== null && <p className="notice notice--error" role="alert">{errorText(error, t)}</p>}
          {items.length > 0 && (
            <>
              <p className="login__intro">{t('chooseTenant.intro', { name: items[0]?.displayName ?? '' })}</p>
              <ul className="choose-tenant__list">
                {items.map((o) => (
                  <li key={o.tenantId}>
                    <button type="button" className="button button--primary button--wide" aria-disabled={picking !== null || undefined}
                      onClick={() => { if (picking === null) void pick(o.tenantId) }}>
                      {o.tenantName}
                    </button>
                  </li>
                ))}
              </ul>
              <p>{t('chooseTenant.switch')}</p>
            </>
          )}
          {(isExpired || error !== null) && <p><a href={paths.login()}>{t('chooseTenant.toLogin')}</a></p>}
        </div>
      </main>
    </div>
  )
}
