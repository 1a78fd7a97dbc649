import type { Alert } from '@varde/api-contract'
import { useEffect, useId, useRef, useState } from 'react'
import { Link } from 'react-router'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import { paths } from '../routes'
import { PLOT_LEFT, PLOT_RIGHT } from './vital-chart'
import type { VitalGroup } from './vital-groups'

/** Markers closer than this share of the range are one marker (a year's alerts would overlap otherwise). */
const CLUSTER_SHARE = 1 / 60

export interface AlertMarker {
  /** Where it sits: the alert's first reading of the group's vitals, else when it opened. */
  t: number
  alerts: Alert[]
}

/** The alerts about a group's vitals within the range, clustered by position, oldest first. */
export function markersFor(
  group: VitalGroup,
  alerts: readonly Alert[],
  fromMs: number,
  toMs: number,
): AlertMarker[] {
  const types = new Set<string>(group.types)
  const placed = alerts.flatMap((alert) => {
    const reading = alert.readings.find((r) => types.has(r.type))
    const isAbout = reading !== undefined || group.types.some((type) => alert.rule.endsWith(`:${type}`))
    if (!isAbout) return []
    const t = Date.parse(reading?.measuredAt ?? alert.openedAt)
    return t >= fromMs && t <= toMs ? [{ t, alert }] : []
  })
  placed.sort((a, b) => a.t - b.t)
  const width = (toMs - fromMs) * CLUSTER_SHARE
  const markers: AlertMarker[] = []
  for (const { t, alert } of placed) {
    const last = markers.at(-1)
    if (last && t - last.t < width) last.alerts.push(alert)
    else markers.push({ t, alerts: [alert] })
  }
  return markers
}

const severityOf = (alerts: readonly Alert[]) =>
  alerts.some((a) => a.severity === 'red') ? 'red' : 'yellow'

/**
 * A lane of buttons over the chart's top margin, one per alert (or cluster),
 * at its time: they are HTML, not SVG, so a keyboard and a screen reader reach
 * them. Choosing one opens its alerts below the chart.
 * Test hook: `alert-marker` on each button.
 */
export function AlertMarkers({
  markers,
  fromMs,
  toMs,
}: {
  markers: readonly AlertMarker[]
  fromMs: number
  toMs: number
}) {
  const { t, locale } = useI18n()
  const [openAt, setOpenAt] = useState<number | null>(null)
  const panelId = useId()
  const headingRef = useRef<HTMLHeadingElement>(null)
  const buttons = useRef(new Map<number, HTMLButtonElement>())
  const open = markers.find((m) => m.t === openAt) ?? null

  useEffect(() => {
    if (open) headingRef.current?.focus()
  }, [open])

  if (markers.length === 0) return null
  const close = () => {
    const at = openAt
    setOpenAt(null)
    if (at !== null) buttons.current.get(at)?.focus()
  }
  const span = Math.max(1, toMs - fromMs)
  return (
    <>
      <ul className="alert-markers" aria-label={t('chart.markers')}>
        {markers.map((m) => {
          const share = Math.min(Math.max((m.t - fromMs) / span, 0), 1)
          const severity = severityOf(m.alerts)
          const label =
            m.alerts.length === 1
              ? t('chart.marker', {
                  severity: t(`alerts.severity.${severity}`),
                  time: formatDateTime(m.t, locale),
                })
              : t('chart.markerMany', { count: m.alerts.length, time: formatDateTime(m.t, locale) })
          return (
            <li
              key={m.t}
              className="alert-markers__item"
              style={{ left: `calc(${PLOT_LEFT}px + ${share} * (100% - ${PLOT_LEFT + PLOT_RIGHT}px))` }}
            >
              <button
                type="button"
                ref={(el) => {
                  if (el) buttons.current.set(m.t, el)
                  else buttons.current.delete(m.t)
                }}
                className={`alert-marker alert-marker--${severity}`}
                data-testid="alert-marker"
                aria-label={label}
                title={label}
                aria-expanded={openAt === m.t}
                aria-controls={openAt === m.t ? panelId : undefined}
                onClick={() => setOpenAt(openAt === m.t ? null : m.t)}
              >
                <span aria-hidden="true">{m.alerts.length > 1 ? m.alerts.length : '!'}</span>
              </button>
            </li>
          )
        })}
      </ul>
      {open && (
        <section className="alert-marker-panel" id={panelId} aria-labelledby={`${panelId}-h`}>
          <h4 id={`${panelId}-h`} ref={headingRef} tabIndex={-1}>
            {t('chart.markerPanel', { count: open.alerts.length })}
          </h4>
          <ul>
            {open.alerts.map((a) => (
              <li key={a.id} data-testid="marker-alert">
                <span className={`severity severity--${a.severity}`}>
                  {t(`alerts.severity.${a.severity}`)}
                </span>{' '}
                {a.summary}
                <br />
                <span className="alert-marker-panel__meta">
                  {t('alerts.openedAt', { time: formatDateTime(a.openedAt, locale) })} ·{' '}
                  {t(`chart.alertStatus.${a.status}`)}
                </span>
              </li>
            ))}
          </ul>
          <p className="alert-marker-panel__actions">
            <Link to={paths.alerts()}>{t('chart.openInbox')}</Link>
            <button type="button" className="button button--quiet" onClick={close}>
              {t('chart.closeMarker')}
            </button>
          </p>
        </section>
      )}
    </>
  )
}
