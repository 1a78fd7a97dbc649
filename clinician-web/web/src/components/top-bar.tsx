import type { SessionInfo } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'
import { Link, useMatch } from 'react-router'
import { paths } from '../routes'
import { LanguageSwitch } from './language-switch'
import { LiveStatus } from './live-status'

export function TopBar({ session, onLogOut }: { session: SessionInfo; onLogOut: () => void }) {
  const { t } = useI18n()
  const isPatientList = useMatch(paths.patients()) !== null
  const isPatient = useMatch('/patients/:patientId') !== null
  const isAlerts = useMatch(paths.alerts()) !== null
  const isShift = useMatch(paths.shift()) !== null
  const isAdminGateways = useMatch(paths.adminGateways()) !== null
  const isAdminUsers = useMatch(paths.adminUsers()) !== null
  const isAdmin = session.user.role === 'admin'
  const isEnrol = useMatch(paths.enrol()) !== null
  const isDeliveries = useMatch(paths.deliveries()) !== null
  const isAdminWhatIf = useMatch(paths.adminWhatIf()) !== null
  const isLogControl = useMatch(paths.logControl()) !== null
  const isAccessReport = useMatch(paths.accessReport()) !== null
  const role = session.user.role
  return (
    <header className="top-bar">
      <div className="top-bar__brand">
        <Link to={paths.patients()} className="top-bar__product">
          <svg
            className="top-bar__logo"
            viewBox="0 0 32 32"
            width="28"
            height="28"
            aria-hidden="true"
            focusable="false"
          >
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
        </Link>
        <p className="top-bar__tenant">
          <span className="visually-hidden">{t('topBar.tenant')}: </span>
          {session.tenant.name}
        </p>
      </div>
      <nav className="top-bar__nav" aria-label={t('nav.label')}>
        <ul>
          <li>
            <Link
              to={paths.patients()}
              aria-current={isPatientList ? 'page' : isPatient ? 'location' : undefined}
            >
              {t('nav.patients')}
            </Link>
          </li>
          <li>
            <Link to={paths.alerts()} aria-current={isAlerts ? 'page' : undefined}>
              {t('nav.alerts')}
            </Link>
          </li>
          {['nurse', 'clinician', 'admin'].includes(session.user.role) && (
            <li>
              <Link to={paths.shift()} aria-current={isShift ? 'page' : undefined}>
                {t('nav.shift')}
              </Link>
            </li>
          )}
          {/* the municipality's administration: never shown to the outside GP or the patient (the server refuses them too) */}
          {isAdmin && (
            <>
              <li>
                <Link to={paths.adminGateways()} aria-current={isAdminGateways ? 'page' : undefined}>
                  {t('nav.adminGateways')}
                </Link>
              </li>
              <li>
                <Link to={paths.adminUsers()} aria-current={isAdminUsers ? 'page' : undefined}>
                  {t('nav.adminUsers')}
                </Link>
              </li>
              <li>
                <Link to={paths.enrol()} aria-current={isEnrol ? 'page' : undefined}>
                  {t('nav.enrol')}
                </Link>
              </li>
              <li>
                <Link to={paths.deliveries()} aria-current={isDeliveries ? 'page' : undefined}>
                  {t('nav.deliveries')}
                </Link>
              </li>
              <li>
                <Link to={paths.adminWhatIf()} aria-current={isAdminWhatIf ? 'page' : undefined}>
                  {t('nav.adminWhatIf')}
                </Link>
              </li>
            </>
          )}
          {role === 'privacy-officer' && (
            <li>
              <Link to={paths.logControl()} aria-current={isLogControl ? 'page' : undefined}>
                {t('nav.logControl')}
              </Link>
            </li>
          )}
          {role === 'patient' && (
            <li>
              <Link to={paths.accessReport()} aria-current={isAccessReport ? 'page' : undefined}>
                {t('nav.accessReport')}
              </Link>
            </li>
          )}
        </ul>
      </nav>
      <div className="top-bar__live">
        <LiveStatus />
      </div>
      <div className="top-bar__tools">
        <LanguageSwitch />
        <p className="top-bar__user">
          <span className="visually-hidden">{t('topBar.user')} </span>
          <span className="top-bar__user-name">{session.user.displayName}</span>
          <span className="top-bar__user-role">{t(`role.${session.user.role}`)}</span>
        </p>
        <button type="button" className="button button--on-dark" onClick={onLogOut}>
          {t('topBar.logOut')}
        </button>
      </div>
    </header>
  )
}
