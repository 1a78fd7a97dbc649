import type { WhatIf } from '../api/rules'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { formatVital, vitalLabel } from './vital-groups'

type Lists = WhatIf['readingChanges']
type ChangeList = Lists['nowAlert']
type Band = ChangeList['readings'][number]['before']

const BAND_KEY: Record<'red' | 'yellow' | 'none', MessageKey> = { red: 'whatIf.band.red', yellow: 'whatIf.band.yellow', none: 'whatIf.band.none' }

/**
 * The exact readings a rule change would make alert, pass, or alert in another
 * band (issue 20), from the server's two replays: time, value, band before →
 * after. Each list is a disclosure (closed: only the count), the newest
 * readings the server sent and "and N more" beyond them; the counts are exact.
 */
export function WhatIfReadings({ lists }: { lists: Lists }) {
  const { t, tp } = useI18n()
  const sections = [
    { key: 'nowAlert', title: tp('whatIf.list.nowAlert', lists.nowAlert.count), list: lists.nowAlert },
    { key: 'nowPass', title: tp('whatIf.list.nowPass', lists.nowPass.count), list: lists.nowPass },
    { key: 'otherBand', title: tp('whatIf.list.otherBand', lists.otherBand.count), list: lists.otherBand },
  ] as const
  return (
    <div className="what-if__lists">
      {sections.filter((s) => s.list.count > 0).map((s) => (
        <details key={s.key} className="what-if__list" data-testid={`what-if-${s.key}`}>
          <summary>{s.title}</summary>
          <ReadingTable list={s.list} caption={s.title} />
          {s.list.count > s.list.readings.length && (
            <p className="muted what-if__more-count">{tp('whatIf.list.more', s.list.count - s.list.readings.length)}</p>
          )}
        </details>
      ))}
      {sections.every((s) => s.list.count === 0) && <p className="muted">{t('whatIf.list.none')}</p>}
    </div>
  )
}

function ReadingTable({ list, caption }: { list: ChangeList; caption: string }) {
  const { t, locale, language } = useI18n()
  const band = (b: Band) => t(BAND_KEY[b ?? 'none'])
  return (
    <table className="what-if__readings">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('whatIf.list.time')}</th>
          <th scope="col">{t('whatIf.list.value')}</th>
          <th scope="col">{t('whatIf.list.band')}</th>
        </tr>
      </thead>
      <tbody>
        {list.readings.map((r) => (
          <tr key={`${r.measurementId}|${r.type}`}>
            <td><time dateTime={r.measuredAt}>{formatDateTime(r.measuredAt, locale)}</time></td>
            <td>{vitalLabel(r.type, language)} {formatVital(r.type, r.value, r.unit, locale)}</td>
            <td>
              <span className={`what-if__band what-if__band--${r.before ?? 'none'}`}>{band(r.before)}</span>
              {' → '}
              <span className={`what-if__band what-if__band--${r.after ?? 'none'}`}>{band(r.after)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
