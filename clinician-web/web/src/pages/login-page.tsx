import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { isApiError } from '../api/http'
import { getLoginOptions, logIn, type LoginOptions } from '../api/session'
import { LanguageSwitch } from '../components/language-switch'
import { errorKey } from '../i18n/error-text'
import { useI18n, type I18n } from '../i18n/i18n'

export interface LoginPageProps {
  /** Called after a successful login; the app then loads the session. */
  onLoggedIn: () => Promise<void> | void
  /** The previous session ended (401 elsewhere): say so. */
  hasSessionEnded?: boolean
}

export function LoginPage({ onLoggedIn, hasSessionEnded = false }: LoginPageProps) {
  const i18n = useI18n()
  const { t } = i18n
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<LoginError | null>(null)
  const [isSubmitting, setSubmitting] = useState(false)
  const usernameRef = useRef<HTMLInputElement>(null)
  const passwordRef = useRef<HTMLInputElement>(null)
  const errorId = useId()
  const [options, setOptions] = useState<LoginOptions | null>(null)
  const helseId = options?.helseId ?? null
  const idPorten = options?.idPorten ?? null
  // a HelseID login that did not go through comes back here with its code (/login?error=security-level-too-low)
  const [helseIdError] = useState(() => {
    const code = new URLSearchParams(window.location.search).get('error')
    return code ? errorKey(code) : null
  })

  useEffect(() => {
    let isCurrent = true
    getLoginOptions().then((o) => { if (isCurrent) setOptions(o) }, () => { /* the password form still works */ })
    return () => { isCurrent = false }
  }, [])

  useEffect(() => {
    document.title = `${t('login.title')} – ${t('app.name')}`
  }, [t])
  useEffect(() => {
    usernameRef.current?.focus()
  }, [])

  async function submit(event: FormEvent) {
    event.preventDefault()
    if (isSubmitting) return
    if (!username.trim() || !password) {
      setError('missing')
      ;(username.trim() ? passwordRef : usernameRef).current?.focus()
      return
    }
    setSubmitting(true)
    setError(null)
    try {
      await logIn(username.trim(), password)
      await onLoggedIn()
    } catch (e) {
      const kind = loginErrorOf(e)
      setError(kind)
      setSubmitting(false)
      if (kind === 'invalid') {
        // the usual slip is the password: clear it and put the cursor there
        setPassword('')
        passwordRef.current?.focus()
      }
    }
  }

  const isInvalid = error === 'invalid' || error === 'missing'
  return (
    <div className="login">
      <header className="login__header">
        <p className="login__product">
          <svg viewBox="0 0 32 32" width="36" height="36" aria-hidden="true" focusable="false">
            <path
              d="M16 5 L25 27 H7 Z"
              fill="none"
              stroke="currentColor"
              strokeWidth="3"
              strokeLinejoin="round"
            />
            <circle cx="16" cy="19" r="3" fill="currentColor" />
          </svg>
          {t('app.name')}
        </p>
        <LanguageSwitch className="language-switch--light" />
      </header>
      <main id="main" className="login__main">
        <div className="login__card">
          <h1 tabIndex={-1}>{t('login.title')}</h1>
          <p className="login__intro">{t('login.intro')}</p>
          {hasSessionEnded && !error && (
            <p className="notice notice--info" role="status">
              {t('login.sessionEnded')}
            </p>
          )}
          {helseIdError && !error && (
            <p className="notice notice--error" role="alert">
              {t(helseIdError)}
            </p>
          )}
          {error && (
            <p id={errorId} className="notice notice--error" role="alert">
              {errorText(error, i18n)}
            </p>
          )}
          <form onSubmit={submit} noValidate className="login__form">
            <div className="field">
              <label htmlFor="login-username">{t('login.username')}</label>
              <input
                ref={usernameRef}
                id="login-username"
                name="username"
                type="text"
                autoComplete="username"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                aria-invalid={
                  isInvalid && (error === 'invalid' || !username.trim()) ? true : undefined
                }
                aria-describedby={error ? errorId : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="login-password">{t('login.password')}</label>
              <input
                ref={passwordRef}
                id="login-password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-invalid={isInvalid && (error === 'invalid' || !password) ? true : undefined}
                aria-describedby={error ? errorId : undefined}
              />
            </div>
            <button
              type="submit"
              className="button button--primary button--wide"
              aria-disabled={isSubmitting || undefined}
            >
              {isSubmitting ? t('login.submitting') : t('login.submit')}
            </button>
          </form>
          {(helseId || idPorten) && (
            <div className="login__alternative">
              <p className="login__or">{t('login.or')}</p>
              {/* navigations, not fetches: the browser goes to the provider and back */}
              {helseId && (
                <a className="button button--secondary button--wide" href="/api/session/helseid">
                  {t(helseId.isDemo ? 'login.helseIdDemo' : 'login.helseId')}
                </a>
              )}
              {idPorten && (
                <>
                  <p className="login__patient-hint">{t('login.idPortenHint')}</p>
                  <a className="button button--secondary button--wide" href="/api/session/idporten">
                    {t(idPorten.isDemo ? 'login.idPortenDemo' : 'login.idPorten')}
                  </a>
                </>
              )}
            </div>
          )}
        </div>
      </main>
    </div>
  )
}

type LoginError = 'invalid' | 'throttled' | 'missing' | 'network' | 'other'

function loginErrorOf(error: unknown): LoginError {
  if (!isApiError(error)) return 'other'
  if (error.status === 401) return 'invalid'
  if (error.status === 429) return 'throttled'
  if (error.status === 0) return 'network'
  return 'other'
}

function errorText(error: LoginError, { t }: I18n): string {
  switch (error) {
    case 'invalid':
      return t('login.error.invalid')
    case 'throttled':
      return t('login.error.throttled')
    case 'missing':
      return t('login.error.missing')
    case 'network':
      return t('app.networkError')
    case 'other':
      return t('login.error.other')
  }
}
