import { isVitalType, limitSign, VITAL_TYPES, type Band } from '@varde/domain'
import { formatNumber } from '../i18n/format'
import type { I18n } from '../i18n/i18n'
import { displayUnit, formatVitalNumber, joinUnit } from './vital-groups'

/** The UCUM unit a vital is stored in (`%`, `mm[Hg]` …), for formatting its limits. */
export function unitOfVital(type: string): string {
  return isVitalType(type) ? VITAL_TYPES[type].unit : ''
}

const decimalsOf = (text: string) => text.split('.')[1]?.length ?? 0

/**
 * A limit's number, never rounded: a reading is shown to the vital's usual
 * precision ("90 %"), but a limit of 89.5 must not read as 90, or a nurse
 * would believe, and save, a limit that is not the one in force.
 */
export function formatLimitNumber(type: string, value: number, locale: string): string {
  const usual = decimalsOf(formatVitalNumber(type, value, 'en-GB').replace(/,/g, ''))
  return formatNumber(value, locale, Math.max(usual, decimalsOf(String(value))))
}

/** A limit with its unit, never rounded: "89,5 %", "2,0 kg". */
export function formatLimitValue(type: string, value: number, locale: string): string {
  return joinUnit(
    formatLimitNumber(type, value, locale),
    displayUnit(type, unitOfVital(type)),
    locale,
  )
}

/**
 * A rule's band as a guideline writes it, with the vital's unit: "≤ 91 %",
 * "≤ 40/min eller ≥ 131/min"; `none` when the band has no limit.
 */
export function formatBand(band: Band, vital: string, i18n: I18n, none: string): string {
  const sides = (['low', 'high'] as const).flatMap((side) => {
    const limit = band[side]
    return limit
      ? [`${limitSign(side, limit)} ${formatLimitValue(vital, limit.value, i18n.locale)}`]
      : []
  })
  return sides.length === 0 ? none : sides.join(` ${i18n.t('rules.or')} `)
}
