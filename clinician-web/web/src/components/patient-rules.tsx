import type {
  BaselineDeviationParams,
  GatewayOfflineParams,
  LowBatteryParams,
  MissedMeasurementParams,
  News2Params,
  ThresholdParams,
  VitalType,
  WeightGainParams,
} from '@varde/domain'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useRef, useState, type ReactNode } from 'react'
import { queryKeys } from '../api/query-keys'
import { getPatientRules, type PatientRule, type RuleChange } from '../api/rules'
import { formatDateTime } from '../i18n/format'
import { useI18n, type I18n } from '../i18n/i18n'
import { QueryState } from './query-state'
import './patient-rules.css'
import { ThresholdForm } from './threshold-form'
import { isTrendRule, TrendRuleForm } from './trend-rule-form'
import { formatBand, formatLimitValue } from './rule-bands'
import { PATIENT_CONDITIONS, type Condition } from '@varde/api-contract'
import { vitalLabel } from './vital-groups'

/** One line of the limits table: a vital of a threshold rule, or a whole trend/score/device rule. */
interface LimitRow {
  key: string
  rule: PatientRule
  label: string
  red: string
  yellow: string
  /** Set for a threshold rule's vital: its bands can be changed here. */
  vital?: VitalType
}

const FAMILY_ORDER: readonly PatientRule['family'][] = [
  'threshold',
  'trend',
  'aggregate',
  'device-health',
]

/**
 * The rules that apply to one patient (the defaults of their diagnoses, with
 * the care team's changes on top): every alert limit, the measurement
 * schedule, and who changed what, when and why. A nurse or clinician changes
 * a threshold's limits here, with a reason.
 */
export function PatientRulesSection({ patientId }: { patientId: string }) {
  const i18n = useI18n()
  const { t, tp } = i18n
  const queryClient = useQueryClient()
  const rules = useQuery({
    queryKey: queryKeys.rules(patientId),
    queryFn: ({ signal }) => getPatientRules(patientId, signal),
  })
  // a threshold is edited per vital; a trend rule (vital null) whole
  const [editing, setEditing] = useState<{ ruleId: string; vital: VitalType | null } | null>(null)
  // what was saved, not the sentence: it follows a change of language
  const [saved, setSaved] = useState<{ ruleId: string; vital: VitalType | null; version: number | null } | null>(null)
  const editButtons = useRef(new Map<string, HTMLButtonElement>())
  const headingId = useId()

  const closeForm = (rowKey: string) => {
    setEditing(null)
    // back to the button that opened the form, so keyboard users keep their place
    requestAnimationFrame(() => editButtons.current.get(rowKey)?.focus())
  }

  const { data } = rules
  if (data === undefined)
    return (
      <section
        className="patient-rules"
        aria-labelledby={headingId}
        aria-busy={rules.isError ? undefined : 'true'}
      >
        <h2 id={headingId}>{t('rules.title')}</h2>
        <QueryState query={rules} errorMessage={t('rules.loadError')} />
      </section>
    )

  const limitRows = data.rules
    .filter((r) => r.kind !== 'missed-measurement')
    .sort((a, b) => FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family))
    .flatMap((rule) => limitRowsOf(rule, i18n))
  const schedules = data.rules.filter((r) => r.kind === 'missed-measurement')
  const editedRule = editing ? data.rules.find((r) => r.id === editing.ruleId) : undefined
  const editedKey = editing ? (editing.vital ? `${editing.ruleId}/${editing.vital}` : editing.ruleId) : ''
  const savedRule = saved ? data.rules.find((r) => r.id === saved.ruleId) : undefined

  return (
    <section className="patient-rules" aria-labelledby={headingId} data-testid="patient-rules">
      <h2 id={headingId}>{t('rules.title')}</h2>
      <p className="patient-rules__intro">{t('rules.intro')}</p>

      <div className="patient-rules__table">
        <table>
          <caption>{t('rules.limits')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('rules.column.rule')}</th>
              <th scope="col">{t('rules.column.red')}</th>
              <th scope="col">{t('rules.column.yellow')}</th>
              <th scope="col">{t('rules.column.version')}</th>
              <th scope="col">{t('rules.column.changed')}</th>
              {data.canChange && (
                <th scope="col">
                  <span className="visually-hidden">{t('rules.column.actions')}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {limitRows.map((row) => (
              <tr
                key={row.key}
                className={row.rule.isEnabled ? undefined : 'is-disabled'}
                data-testid={`rule-${row.key}`}
              >
                <th scope="row">
                  {row.label}
                  {!row.rule.isEnabled && <DisabledBadge />}
                </th>
                <td className="patient-rules__limit patient-rules__limit--red" data-label={t('rules.column.red')}>
                  {row.red}
                </td>
                <td className="patient-rules__limit patient-rules__limit--yellow" data-label={t('rules.column.yellow')}>
                  {row.yellow}
                </td>
                <td data-label={t('rules.column.version')}>
                  <RuleVersion rule={row.rule} />
                </td>
                <td data-label={t('rules.column.changed')}>
                  <RuleOrigin rule={row.rule} />
                </td>
                {data.canChange && (
                  <td className="patient-rules__actions">
                    {(row.vital || isTrendRule(row.rule)) && (
                      <button
                        type="button"
                        className="button button--quiet patient-rules__edit"
                        ref={(element) => {
                          if (element) editButtons.current.set(row.key, element)
                          else editButtons.current.delete(row.key)
                        }}
                        aria-label={t('rules.editLabel', { label: row.label })}
                        aria-expanded={editedKey === row.key}
                        onClick={() => setEditing({ ruleId: row.rule.id, vital: row.vital ?? null })}
                      >
                        {t('rules.edit')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {editing && editedRule && editing.vital && (
        <ThresholdForm
          key={editedKey}
          patientId={data.patientId}
          rule={editedRule}
          vital={editing.vital}
          onCancel={() => closeForm(editedKey)}
          onSaved={(saved) => {
            setSaved({ ruleId: editedRule.id, vital: editing.vital, version: saved.overrideVersion })
            closeForm(editedKey)
            void queryClient.invalidateQueries({ queryKey: queryKeys.rules(patientId) })
          }}
        />
      )}
      {editing && editedRule && !editing.vital && isTrendRule(editedRule) && (
        <TrendRuleForm
          key={editedKey}
          patientId={data.patientId}
          rule={editedRule}
          label={ruleLabel(editedRule, i18n)}
          onCancel={() => closeForm(editedKey)}
          onSaved={(saved) => {
            setSaved({ ruleId: editedRule.id, vital: null, version: saved.overrideVersion })
            closeForm(editedKey)
            void queryClient.invalidateQueries({ queryKey: queryKeys.rules(patientId) })
          }}
        />
      )}

      {/* visible once there is something to say: the change is confirmed for everyone, not only screen readers */}
      <p className={saved ? 'notice notice--success' : 'visually-hidden'} role="status">
        {saved &&
          t('rules.saved', {
            label: saved.vital ? vitalLabel(saved.vital, i18n.language) : savedRule ? ruleLabel(savedRule, i18n) : '',
            version: String(saved.version ?? ''),
          })}
      </p>
      {schedules.length > 0 && (
        <div className="patient-rules__table">
          <table>
            <caption>{t('rules.schedules')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('rules.column.measurement')}</th>
                <th scope="col">{t('rules.column.when')}</th>
                <th scope="col">{t('rules.column.missed')}</th>
                <th scope="col">{t('rules.column.version')}</th>
                <th scope="col">{t('rules.column.changed')}</th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((rule) => {
                const p = rule.params as unknown as MissedMeasurementParams
                return (
                  <tr
                    key={rule.id}
                    className={rule.isEnabled ? undefined : 'is-disabled'}
                    data-testid={`rule-${rule.id}`}
                  >
                    <th scope="row">
                      {vitalLabel(p.vital, i18n.language)}
                      {!rule.isEnabled && <DisabledBadge />}
                    </th>
                    <td data-label={t('rules.column.when')}>
                      {t('rules.scheduleWindow', {
                        days: weekdaysText(p.weekdays, i18n),
                        from: p.windowStart,
                        to: p.deadline,
                      })}
                    </td>
                    <td
                      className={`patient-rules__limit patient-rules__limit--${p.severity}`}
                      data-label={t('rules.column.missed')}
                    >
                      {t(`rules.severity.${p.severity}`)}
                    </td>
                    <td data-label={t('rules.column.version')}>
                      <RuleVersion rule={rule} />
                    </td>
                    <td data-label={t('rules.column.changed')}>
                      <RuleOrigin rule={rule} />
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}

      <details className="patient-rules__history">
        <summary>
          {t('rules.history')} ({tp('rules.historyCount', data.history.length)})
        </summary>
        {data.history.length === 0 ? (
          <p className="empty">{t('rules.historyEmpty')}</p>
        ) : (
          <ol>
            {data.history.map((change) => (
              <li key={`${change.ruleId}@${change.version}`}>
                <HistoryEntry change={change} rules={data.rules} />
              </li>
            ))}
          </ol>
        )}
      </details>
    </section>
  )
}

function DisabledBadge() {
  const { t } = useI18n()
  return <span className="patient-rules__badge">{t('rules.disabled')}</span>
}

function RuleVersion({ rule }: { rule: PatientRule }) {
  const { t } = useI18n()
  return (
    <span className="patient-rules__version" title={rule.version}>
      {rule.overrideVersion === null
        ? t('rules.default')
        : t('rules.version', { version: String(rule.overrideVersion) })}
    </span>
  )
}

/** Default of which diagnoses, or changed by whom, when and why. */
function RuleOrigin({ rule }: { rule: PatientRule }) {
  const { t, locale } = useI18n()
  if (rule.origin === 'default' || !rule.setBy || !rule.setAt)
    return (
      <span className="patient-rules__origin">
        {t('rules.defaultFor', { conditions: conditionsText(rule.conditions, t) })}
      </span>
    )
  return (
    <span className="patient-rules__origin">
      <span>
        {clinicianText(rule.setBy, t)},{' '}
        <time dateTime={rule.setAt}>{formatDateTime(rule.setAt, locale)}</time>
      </span>
      {rule.reason && (
        <span className="patient-rules__reason">{t('rules.reason', { reason: rule.reason })}</span>
      )}
    </span>
  )
}

function HistoryEntry({ change, rules }: { change: RuleChange; rules: readonly PatientRule[] }) {
  const i18n = useI18n()
  const { t, locale } = i18n
  const rule = rules.find((r) => r.id === change.ruleId)
  const what: ReactNode[] = []
  if (change.isEnabled === false) what.push(t('rules.historyOff'))
  const vitals = (change.params as Partial<ThresholdParams>).vitals
  if (Array.isArray(vitals)) {
    for (const b of vitals) {
      what.push(
        t('rules.historyBands', {
          label: vitalLabel(b.vital, i18n.language),
          red: formatBand(b.red ?? {}, b.vital, i18n, t('rules.noLimit')),
          yellow: formatBand(b.yellow ?? {}, b.vital, i18n, t('rules.noLimit')),
        }),
      )
    }
  }
  return (
    <>
      <span>
        <strong>
          {t('rules.historyTitle', {
            rule: rule ? ruleLabel(rule, i18n) : change.ruleId,
            version: String(change.version),
          })}
        </strong>{' '}
        – {clinicianText(change.setBy, t)},{' '}
        <time dateTime={change.setAt}>{formatDateTime(change.setAt, locale)}</time>
      </span>
      {what.length > 0 && <span className="patient-rules__change">{what.join('; ')}</span>}
      {change.reason && (
        <span className="patient-rules__reason">
          {t('rules.reason', { reason: change.reason })}
        </span>
      )}
    </>
  )
}

function clinicianText(c: { name: string | null; hprNumber: string | null }, t: I18n['t']): string {
  const name = c.name ?? t('rules.unknownUser')
  return c.hprNumber ? t('rules.withHpr', { name, hpr: c.hprNumber }) : name
}

const isPatientCondition = (c: string): c is Condition =>
  (PATIENT_CONDITIONS as readonly string[]).includes(c)

function conditionsText(conditions: readonly string[], t: I18n['t']): string {
  return conditions
    .map((c) => (isPatientCondition(c) ? t(`condition.${c}`) : t('rules.general')))
    .join(', ')
}

/** "Alle dager", or "man., ons., fre." in the UI's language. */
function weekdaysText(weekdays: readonly number[], { t, locale }: I18n): string {
  if (weekdays.length === 7) return t('rules.everyDay')
  // 1 January 2024 was a Monday: ISO weekday d is 2024-01-0d
  const format = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' })
  return [...weekdays]
    .sort((a, b) => a - b)
    .map((d) => format.format(new Date(Date.UTC(2024, 0, d))))
    .join(', ')
}

/** A rule's name for people: its vital for a threshold, its kind otherwise. */
function ruleLabel(rule: PatientRule, { t, language }: I18n): string {
  switch (rule.kind) {
    case 'threshold': {
      const vitals = (rule.params as unknown as ThresholdParams).vitals
      if (vitals.length > 1 && vitals.every((v) => v.vital.startsWith('bp-'))) return t('vital.bp')
      return vitals.map((v) => vitalLabel(v.vital, language)).join(', ')
    }
    case 'missed-measurement':
      return t('rules.kind.missed-measurement', {
        vital: vitalLabel((rule.params as unknown as MissedMeasurementParams).vital, language),
      })
    case 'baseline-deviation':
      return t('rules.kind.baseline-deviation', {
        vital: vitalLabel((rule.params as unknown as BaselineDeviationParams).vital, language),
      })
    default:
      return t(`rules.kind.${rule.kind}`)
  }
}

function limitRowsOf(rule: PatientRule, i18n: I18n): LimitRow[] {
  const { t, locale } = i18n
  const none = t('rules.noLimit')
  const row = (red: string, yellow: string): LimitRow[] => [
    { key: rule.id, rule, label: ruleLabel(rule, i18n), red, yellow },
  ]
  switch (rule.kind) {
    case 'threshold':
      return (rule.params as unknown as ThresholdParams).vitals.map((b) => ({
        key: `${rule.id}/${b.vital}`,
        rule,
        label: vitalLabel(b.vital, i18n.language),
        red: formatBand(b.red, b.vital, i18n, none),
        yellow: formatBand(b.yellow, b.vital, i18n, none),
        vital: b.vital,
      }))
    case 'weight-gain': {
      const p = rule.params as unknown as WeightGainParams
      const gain = (kg: number | null) =>
        kg === null
          ? none
          : t('rules.weightGain', {
              amount: formatLimitValue('body-weight', kg, locale),
              days: p.windowDays,
            })
      return row(gain(p.redGainKg), gain(p.yellowGainKg))
    }
    case 'baseline-deviation': {
      const p = rule.params as unknown as BaselineDeviationParams
      const deviation = (delta: number | null) =>
        delta === null
          ? none
          : t(`rules.baseline.${p.direction}`, {
              amount: formatLimitValue(p.vital, delta, locale),
              days: p.windowDays,
            })
      return row(deviation(p.redDelta), deviation(p.yellowDelta))
    }
    case 'news2': {
      const p = rule.params as unknown as News2Params
      return row(
        t('rules.score', { score: p.redScore }),
        t('rules.score', { score: p.yellowScore }),
      )
    }
    case 'gateway-offline': {
      const p = rule.params as unknown as GatewayOfflineParams
      const hours = (h: number | null) =>
        h === null ? none : t('rules.offlineHours', { hours: h })
      return row(hours(p.redAfterHours), hours(p.yellowAfterHours))
    }
    case 'low-battery': {
      const p = rule.params as unknown as LowBatteryParams
      return row(none, t('rules.battery', { percent: p.yellowAtOrBelowPercent }))
    }
    default:
      return []
  }
}
