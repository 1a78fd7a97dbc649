import type { VitalBands } from '@varde/domain'
import { useI18n } from '../i18n/i18n'
import { formatBand } from './rule-bands'
import { vitalLabel, type VitalGroup } from './vital-groups'
import { BAND_FILL, seriesStyle } from './vital-chart'

export interface ChartLegendProps {
  group: VitalGroup
  hasLate: boolean
  hasClockAdjusted?: boolean
  /** Buckets, not readings: the shaded min–max envelope is drawn. */
  hasEnvelope?: boolean
  bands?: VitalBands | undefined
  hasMarkers?: boolean
}

/** Explains the chart's marks in words: series, envelope, the bands with their limits, marked readings, alert markers. */
export function ChartLegend({
  group,
  hasLate,
  hasClockAdjusted = false,
  hasEnvelope = false,
  bands,
  hasMarkers = false,
}: ChartLegendProps) {
  const i18n = useI18n()
  const { t, language } = i18n
  const isMultiSeries = group.types.length > 1
  const firstStyle = seriesStyle(group.types[0] ?? 'pulse')
  const none = t('rules.noLimit')
  const bandOf = (severity: 'red' | 'yellow') =>
    bands ? formatBand(bands[severity], bands.vital, i18n, none) : ''
  const bandsVital = isMultiSeries && bands ? ` (${vitalLabel(bands.vital, language)})` : ''
  return (
    <ul className="chart-legend" aria-label={t('chart.legend')}>
      {isMultiSeries ? (
        group.types.map((type) => {
          const style = seriesStyle(type)
          return (
            <li key={type}>
              <svg width="28" height="12" aria-hidden="true" focusable="false">
                <line
                  x1="1"
                  y1="6"
                  x2="27"
                  y2="6"
                  stroke={style.stroke}
                  strokeWidth="2"
                  strokeDasharray={style.dash}
                />
                <circle cx="14" cy="6" r="3.5" fill={style.stroke} />
              </svg>
              {vitalLabel(type, language)}
            </li>
          )
        })
      ) : (
        <li>
          <svg width="14" height="14" aria-hidden="true" focusable="false">
            <circle cx="7" cy="7" r="3.5" fill={firstStyle.stroke} />
          </svg>
          {hasEnvelope ? t('chart.meanLine') : t('chart.point')}
        </li>
      )}
      {hasEnvelope && (
        <li>
          <svg width="18" height="12" aria-hidden="true" focusable="false">
            <rect x="0" y="0" width="18" height="12" fill={firstStyle.envelope} />
          </svg>
          {t('chart.envelope')}
        </li>
      )}
      {bands &&
        (['yellow', 'red'] as const).map((severity) => (
          <li key={severity} data-testid={`band-legend-${severity}`}>
            <svg width="18" height="12" aria-hidden="true" focusable="false">
              <rect
                x="0.5"
                y="0.5"
                width="17"
                height="11"
                fill={BAND_FILL[severity]}
                stroke="#8a949e"
              />
            </svg>
            {t(`chart.band.${severity}`, { limits: bandOf(severity) })}
            {bandsVital}
          </li>
        ))}
      {hasLate && (
        <li>
          <svg width="16" height="16" aria-hidden="true" focusable="false">
            <path d="M8 2L14 8L8 14L2 8Z" fill="#ffffff" stroke="#1d4f6e" strokeWidth="2" />
          </svg>
          {t('chart.latePoint')}
        </li>
      )}
      {hasClockAdjusted && (
        <li>
          <svg width="14" height="14" aria-hidden="true" focusable="false">
            <rect x="2" y="2" width="10" height="10" fill="#ffffff" stroke="#1d4f6e" strokeWidth="2" />
          </svg>
          {t('chart.clockAdjustedPoint')}
        </li>
      )}
      {hasMarkers && (
        <li className="chart-legend__marker">
          <span className="alert-marker alert-marker--legend" aria-hidden="true">
            !
          </span>
          {t('chart.markerLegend')}
        </li>
      )}
    </ul>
  )
}
