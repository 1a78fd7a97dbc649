import type { Condition } from '@varde/api-contract'
import { useI18n } from '../i18n/i18n'

export function ConditionList({ conditions }: { conditions: readonly Condition[] }) {
  const { t } = useI18n()
  if (conditions.length === 0) return null
  return (
    <ul className="conditions" aria-label={t('condition.label')}>
      {conditions.map((c) => (
        <li key={c} className="conditions__item">
          {t(`condition.${c}`)}
        </li>
      ))}
    </ul>
  )
}
