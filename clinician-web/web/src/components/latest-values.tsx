import type { LatestValue } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'
import {
  formatBloodPressure,
  formatVital,
  groupsFor,
  vitalLabel,
  type VitalGroup,
} from './vital-groups'

/** The newest value of each vital type, compactly, for the patient list. */
export function LatestValues({ latest }: { latest: Record<string, LatestValue> }) {
  const { t, locale, language } = useI18n()
  const groups = groupsFor(Object.keys(latest))
  if (groups.length === 0) return null
  return (
    <dl className="latest-values">
      {groups.map((group) => (
        <div key={group.id} className="latest-values__item">
          <dt>{group.id === 'bp' ? t('vital.bp') : vitalLabel(group.id, language)}</dt>
          <dd>{formatGroupValue(group, latest, locale)}</dd>
        </div>
      ))}
    </dl>
  )
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
