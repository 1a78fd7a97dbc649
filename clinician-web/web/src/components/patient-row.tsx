import type { Patient } from '@varde/api-contract'
import { forwardRef, memo } from 'react'
import { Link } from 'react-router'
import { useI18n } from '../i18n/i18n'
import { ageOf } from '../pages/patient-list-filters'
import { prefetchPatientPage } from '../pages/lazy-pages'
import { paths } from '../routes'
import { AdherenceText } from './adherence-text'
import { ConditionList } from './condition-list'
import { GatewayStatus } from './gateway-status'
import { LastMeasurement } from './last-measurement'
import { LatestValues } from './latest-values'
import { RelativeTime } from './relative-time'
import { SeverityIcon } from './severity-icon'
import { TrafficLight } from './traffic-light'
import { urgencyOf } from './urgency'
import { useNow } from './use-now'

interface RowProps {
  patient: Patient
  index: number
  setSize: number
  /** Where the virtualised list places the row (px from the list's top); absent: in the flow. */
  offset?: number
}

/**
 * One patient in the list (issue 20, dense rows): status, name, age and conditions, the worst
 * open episode, the last reading of each vital with its colour, and when measured, adherence and
 * last contact. The whole row is the name's link; its index lets the keyboard move between rows.
 */
// memo: scrolling a virtualised list re-renders the list on every frame; a row already drawn stays as it is
export const PatientRow = memo(
  forwardRef<HTMLLIElement, RowProps>(function PatientRow(
    { patient, index, setSize, offset },
    ref,
  ) {
    const { t } = useI18n()
    const now = useNow()
    const urgency = urgencyOf(patient.openAlerts)
    const age = ageOf(patient.birthDate, new Date(now))
    return (
      <li
        ref={ref}
        className={`patient-card patient-card--${urgency}`}
        data-testid={`patient-${patient.id}`}
        data-index={index}
        aria-posinset={index + 1}
        aria-setsize={setSize}
        style={offset === undefined ? undefined : { transform: `translateY(${offset}px)` }}
      >
        <div className="patient-card__status">
          <TrafficLight openAlerts={patient.openAlerts} />
        </div>
        <div className="patient-card__identity">
          <h2 className="patient-card__name">
            <Link
              to={paths.patient(patient.id)}
              className="patient-card__link"
              data-row-link
              onPointerEnter={prefetchPatientPage}
              onFocus={prefetchPatientPage}
            >
              {patient.displayName}
            </Link>
          </h2>
          <p className="patient-card__age">
            {age === null ? t('patients.ageUnknown') : t('patients.age', { age })}
          </p>
          <ConditionList conditions={patient.conditions} />
          {patient.serviceState && patient.serviceState !== 'active' && (
            <p className="service-state">{t(`service.${patient.serviceState}`)}</p>
          )}
        </div>
        <div className="patient-card__episode">
          <WorstOpen worst={patient.worstOpen} />
        </div>
        <div className="patient-card__values">
          <LatestValues latest={patient.latest} />
        </div>
        <div className="patient-card__meta">
          <LastMeasurement
            at={patient.lastMeasurementAt}
            className="patient-card__last"
            labelClassName="patient-card__meta-label"
          />
          <GatewayStatus gateway={patient.gateway} />
          <AdherenceText adherence={patient.adherence} className="patient-card__adherence" />
          {patient.lastContactAt !== undefined && (
            <p className="patient-card__contact">
              <span className="patient-card__meta-label">{t('patients.lastContact')}: </span>
              {patient.lastContactAt ? (
                <RelativeTime value={patient.lastContactAt} />
              ) : (
                t('patients.noContactYet')
              )}
            </p>
          )}
        </div>
      </li>
    )
  }),
)

function WorstOpen({ worst }: { worst: Patient['worstOpen'] }) {
  const { t, language } = useI18n()
  if (worst === undefined) return null
  if (worst === null)
    return <p className="worst-open worst-open--none">{t('patients.noEpisode')}</p>
  return (
    <p className={`worst-open worst-open--${worst.severity}`} data-testid="worst-open">
      <span className="worst-open__label">
        <SeverityIcon severity={worst.severity} className="worst-open__icon" />
        {t(`alerts.severity.${worst.severity}`)}
        {worst.status === 'acknowledged' && <> · {t('patients.episodeAcknowledged')}</>}
      </span>
      <span className="worst-open__summary">{worst.summaries[language]}</span>
      <span className="worst-open__since">
        {t('patients.episodeSince')} <RelativeTime value={worst.since} />
      </span>
    </p>
  )
}
