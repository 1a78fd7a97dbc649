import type { Alert } from '@varde/api-contract'
import { formatWeekdayDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { ThresholdList } from './threshold-list'
import { formatVital, vitalLabel } from './vital-groups'

/** Why an alert came: the readings behind it, the limits they broke, the rule and its source. */
export function AlertExplanation({ alert }: { alert: Alert }) {
  const { t, locale, language } = useI18n()
  return (
    <div className="alert-card__explanation-body">
      {alert.readings.length > 0 && (
        <div>
          <h5>{t('alerts.readings')}</h5>
          <ul className="alert-card__readings">
            {alert.readings.map((r, i) => (
              <li key={`${r.type}-${r.measuredAt}-${i}`}>
                <span>{vitalLabel(r.type, language)}</span>{' '}
                <strong>{formatVital(r.type, r.value, r.unit, locale)}</strong>{' '}
                <time dateTime={r.measuredAt} className="alert-card__reading-time">
                  {formatWeekdayDateTime(r.measuredAt, locale)}
                </time>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div>
        <h5>{t('alerts.thresholds')}</h5>
        <ThresholdList thresholds={alert.thresholds} readings={alert.readings} />
        <p className="alert-card__rule">
          {t('alerts.rule')}: <code>{alert.rule}</code>
        </p>
        {alert.source && (
          <p className="alert-card__rule">
            {t('alerts.source')}: {alert.source}
          </p>
        )}
      </div>
    </div>
  )
}
