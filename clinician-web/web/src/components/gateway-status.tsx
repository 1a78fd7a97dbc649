import type { Gateway } from '@varde/api-contract'
import { formatPercent } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { RelativeTime } from './relative-time'

/** Below this the nurse should ask the patient to charge or change batteries. */
const LOW_BATTERY_PERCENT = 20

export function GatewayStatus({ gateway }: { gateway: Gateway | null }) {
  const { t, tx, locale } = useI18n()
  if (!gateway) {
    return <p className="gateway gateway--none">{t('gateway.none')}</p>
  }
  const isLowBattery = gateway.battery !== null && gateway.battery < LOW_BATTERY_PERCENT
  return (
    <div
      className={`gateway gateway--${gateway.state}`}
      data-testid="gateway-status"
      data-state={gateway.state}
    >
      <p className="gateway__state">
        <span className="gateway__dot" aria-hidden="true" />
        {t(`gateway.${gateway.state}`)}
      </p>
      {gateway.state !== 'online' && gateway.lastSeenAt && (
        <p className="gateway__detail">
          {tx('gateway.lastSeen', { time: <RelativeTime value={gateway.lastSeenAt} /> })}
        </p>
      )}
      {gateway.battery !== null && (
        <p className={isLowBattery ? 'gateway__battery gateway__battery--low' : 'gateway__battery'}>
          {t(isLowBattery ? 'gateway.batteryLow' : 'gateway.battery', {
            percent: formatPercent(gateway.battery, locale),
          })}
        </p>
      )}
    </div>
  )
}
