import type { LatestValue } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'
import { SeverityIcon } from './severity-icon'
import {
  formatBloodPressure,
  formatVital,
  groupsFor,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'

/**
 * The newest value of each vital type, compactly, for the patient list; a value out of the
 * patient's range carries its colour as a shape and a word too (WCAG 1.4.1), never colour alone.
 */
export function LatestValues({ latest }: { latest: Record<string, LatestValue> }) {
  const { t, locale, language } = useI18n()
  const groups = groupsFor(Object.keys(latest))
  if (groups.length === 0) return null
  return (
    <dl className="latest-values">
      {groups.map((group) => {
        const severity = groupSeverity(group, latest)
        return (
          <div
            key={group.id}
            className={`latest-values__item${severity ? ` latest-values__item--${severity}` : ''}`}
            data-severity={severity ?? 'none'}
          >
            <dt>{group.id === 'bp' ? t('vital.bp') : vitalLabel(group.id, language)}</dt>
            <dd>
              {severity && <SeverityIcon severity={severity} className="latest-values__icon" />}
              {formatGroupValue(group, latest, locale)}
              {severity && (
                <span className="visually-hidden"> ({t(`patients.value.${severity}`)})</span>
              )}
            </dd>
          </div>
        )
      })}
    </dl>
  )
}

/** The worst colour of the group's values (blood pressure: systolic or diastolic). */
function groupSeverity(
  group: VitalGroup,
  latest: Record<string, LatestValue | undefined>,
): 'red' | 'yellow' | null {
  const colours = group.types.map((type) => latest[type]?.severity ?? null)
  if (colours.includes('red')) return 'red'
  if (colours.includes('yellow')) return 'yellow'
  return null
}

export function formatGroupValue(
  group: VitalGroup,
  latest: Record<string, LatestValue | undefined>,
  locale: string,
): string {
  if (group.id === 'bp') {
    const s = latest['bp-systolic']
    const d = latest['bp-diastolic']
    return formatBloodPressure(s?.value, d?.value, s?.unit ?? d?.unit ?? 'mm[Hg]', locale)
  }
  const type = group.types[0] ?? group.id
  const v = latest[type]
  return v ? formatVital(type, v.value, v.unit, locale) : '–'
}
