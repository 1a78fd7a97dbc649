import { useId, useState } from 'react'
import { osloMidnight } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { presetRange, RANGE_OPTIONS, type TrendRange } from '../pages/range-days'

const DAY_MS = 24 * 60 * 60 * 1000

/** "2026-03-10" (an `<input type=date>`'s value) → that day's Oslo midnight. */
function osloDayStart(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return null
  return osloMidnight(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12))
}

/** An instant as the Oslo date an `<input type=date>` shows. */
function osloDateValue(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Oslo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms)
}

/**
 * The trends' controls: the range (24 h … 1 year, or custom dates), back
 * from a zoom, chart or table view, and print.
 */
export function TrendControls({
  range,
  onRange,
  unzoomed,
  isTableView,
  onTableView,
}: {
  range: TrendRange
  onRange: (range: TrendRange) => void
  /** The range before the zoom; set while zoomed. */
  unzoomed: TrendRange | null
  isTableView: boolean
  onTableView: (isTableView: boolean) => void
}) {
  const { t } = useI18n()
  const id = useId()
  const [isCustomOpen, setCustomOpen] = useState(false)
  const [fromValue, setFromValue] = useState(() => osloDateValue(range.fromMs))
  const [toValue, setToValue] = useState(() => osloDateValue(range.toMs))
  const [error, setError] = useState('')
  const isCustom = isCustomOpen || range.kind === 'custom'

  const showCustom = (event: React.FormEvent) => {
    event.preventDefault()
    const from = osloDayStart(fromValue)
    const toDay = osloDayStart(toValue)
    if (from === null || toDay === null || toDay < from) {
      setError(t('chart.customInvalid'))
      return
    }
    setError('')
    // the "to" day is included whole, but not beyond now
    const to = Math.min(osloMidnight(toDay + DAY_MS + DAY_MS / 2), Date.now())
    onRange({ kind: 'custom', fromMs: from, toMs: Math.max(to, from + 60 * 60 * 1000) })
  }

  return (
    <div className="trend-controls">
      <fieldset className="segmented">
        <legend className="segmented__legend">{t('patient.range')}</legend>
        {RANGE_OPTIONS.map((days) => (
          <label key={days} className="segmented__option">
            <input
              type="radio"
              name={`${id}-range`}
              value={days}
              checked={!isCustom && range.kind === 'preset' && range.days === days}
              onChange={() => {
                setCustomOpen(false)
                onRange(presetRange(days, Date.now()))
              }}
            />
            <span>{t(`patient.range.${days}`)}</span>
          </label>
        ))}
        <label className="segmented__option">
          <input
            type="radio"
            name={`${id}-range`}
            value="custom"
            checked={isCustom}
            onChange={() => {
              setFromValue(osloDateValue(range.fromMs))
              setToValue(osloDateValue(range.toMs))
              setCustomOpen(true)
            }}
          />
          <span>{t('patient.range.custom')}</span>
        </label>
      </fieldset>
      {isCustom && (
        <form className="trend-controls__custom" onSubmit={showCustom} noValidate>
          <label>
            {t('chart.customFrom')}
            <input type="date" value={fromValue} onChange={(e) => setFromValue(e.target.value)} />
          </label>
          <label>
            {t('chart.customTo')}
            <input type="date" value={toValue} onChange={(e) => setToValue(e.target.value)} />
          </label>
          <button type="submit" className="button">
            {t('chart.customShow')}
          </button>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
      <div className="trend-controls__actions">
        {unzoomed && (
          <button type="button" className="button button--quiet" onClick={() => onRange(unzoomed)}>
            {t('chart.zoomBack')}
          </button>
        )}
        <button
          type="button"
          className="button button--quiet"
          aria-pressed={isTableView}
          onClick={() => onTableView(!isTableView)}
        >
          {t('chart.tableView')}
        </button>
        <button type="button" className="button button--quiet" onClick={() => window.print()}>
          {t('chart.print')}
        </button>
      </div>
      <p className="trend-controls__hint">{t('chart.zoomHint')}</p>
    </div>
  )
}
