import type { Patient } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'
import { urgencyOf } from './urgency'

/** Colour, shape and words together: never colour alone (WCAG 1.4.1). */
export function TrafficLight({ openAlerts }: { openAlerts: Patient['openAlerts'] }) {
  const { t, tp } = useI18n()
  const urgency = urgencyOf(openAlerts)
  const details: string[] = []
  if (openAlerts.red > 0) details.push(tp('traffic.redCount', openAlerts.red))
  if (openAlerts.yellow > 0) details.push(tp('traffic.yellowCount', openAlerts.yellow))
  if (details.length === 0) details.push(t('traffic.none'))
  return (
    <div
      className={`traffic-light traffic-light--${urgency}`}
      data-testid="traffic-light"
      data-urgency={urgency}
    >
      <span className="traffic-light__badge">
        <TrafficLightIcon urgency={urgency} />
        <span className="visually-hidden">{t('traffic.label')}: </span>
        {t(`traffic.${urgency}`)}
      </span>
      <span className="traffic-light__detail">{details.join(', ')}</span>
    </div>
  )
}

function TrafficLightIcon({ urgency }: { urgency: 'red' | 'yellow' | 'green' }) {
  // red: a warning triangle, yellow: a diamond, green: a circle
  return (
    <svg
      className="traffic-light__icon"
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      {urgency === 'red' && <path d="M8 1.5 15 14.5H1Z" />}
      {urgency === 'yellow' && <path d="M8 1 15 8 8 15 1 8Z" />}
      {urgency === 'green' && <circle cx="8" cy="8" r="6.5" />}
    </svg>
  )
}
