import { useI18n } from '../i18n/i18n'
import { vitalLabel, type VitalGroup } from './vital-groups'
import { seriesStyle } from './vital-chart'

/** Explains the chart's marks in words: lines per series (blood pressure), and the late marker. */
export function ChartLegend({ group, hasLate }: { group: VitalGroup; hasLate: boolean }) {
  const { t, language } = useI18n()
  const isMultiSeries = group.types.length > 1
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
            <circle cx="7" cy="7" r="3.5" fill={seriesStyle(group.types[0] ?? 'pulse').stroke} />
          </svg>
          {t('chart.point')}
        </li>
      )}
      {hasLate && (
        <li>
          <svg width="16" height="16" aria-hidden="true" focusable="false">
            <path d="M8 2L14 8L8 14L2 8Z" fill="#ffffff" stroke="#1d4f6e" strokeWidth="2" />
          </svg>
          {t('chart.latePoint')}
        </li>
      )}
    </ul>
  )
}
