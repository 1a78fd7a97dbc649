import type { MyPage as MyPageData } from '@varde/api-contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from 'react-router'
import { getMyPage, objectToSharing, withdrawMyObjection } from '../api/my-page'
import { queryKeys } from '../api/query-keys'
import { MyQuestionnaires } from '../components/my-questionnaires'
import { MyTrend } from '../components/my-trend'
import { QueryState } from '../components/query-state'
import { formatVital, vitalLabel } from '../components/vital-groups'
import { errorText } from '../i18n/error-text'
import { formatDateTime } from '../i18n/format'
import { useI18n } from '../i18n/i18n'
import type { MessageKey } from '../i18n/nb'
import { paths } from '../routes'
import { usePageTitle } from './use-page-title'
import './my-page.css'

type Reading = MyPageData['readings'][number]
const STATUS: Record<MyPageData['today'][number]['status'], MessageKey> = {
  done: 'myPage.today.done', due: 'myPage.today.due', missed: 'myPage.today.missed', paused: 'myPage.today.paused',
}

/**
 * The patient's own page (issue 25, /min-side): plain words, large type,
 * phone first. What I measured and whether it arrived, my targets and
 * self-care plan, what is left to measure today, who has seen my data, and
 * my objection to sharing, which takes effect at once.
 */
export function MyPage() {
  const { t } = useI18n()
  usePageTitle(t('myPage.title'))
  const query = useQuery({ queryKey: queryKeys.myPage, queryFn: ({ signal }) => getMyPage(signal) })
  const page = query.data
  return (
    <div className="my-page">
      <h1 tabIndex={-1}>{page ? t('myPage.greeting', { name: page.displayName }) : t('myPage.title')}</h1>
      <QueryState query={query} errorMessage={t('myPage.loadError')} />
      {page && (
        <>
          <Arrival page={page} />
          <Today page={page} />
          <MyQuestionnaires page={page} />
          <Latest page={page} />
          <SelfCarePlan page={page} />
          <section className="my-page__card" aria-labelledby="my-access">
            <h2 id="my-access">{t('myPage.access.title')}</h2>
            <p>{t('myPage.access.intro')}</p>
            <Link className="my-page__link" to={paths.accessReport()}>{t('myPage.access.link')}</Link>
          </section>
          <Sharing page={page} />
        </>
      )}
    </div>
  )
}

function Arrival({ page }: { page: MyPageData }) {
  const { t, locale } = useI18n()
  const g = page.gateway
  const lowDevices = page.devices.filter((d) => d.battery !== null && d.battery <= 20)
  return (
    <section className="my-page__card" aria-labelledby="my-arrival">
      <h2 id="my-arrival">{t('myPage.arrival.title')}</h2>
      {!g && <p>{t('myPage.arrival.noGateway')}</p>}
      {g?.state === 'offline' && <p className="my-page__warning">{t('myPage.arrival.offline')}</p>}
      {g && g.state !== 'offline' && <p>{t('myPage.arrival.online')}</p>}
      {g?.lastSeenAt && <p>{t('myPage.arrival.lastSeen', { time: formatDateTime(g.lastSeenAt, locale) })}</p>}
      {g?.battery !== null && g?.battery !== undefined && <p>{t('myPage.arrival.gatewayBattery', { percent: `${g.battery} %` })}</p>}
      {lowDevices.map((d) => <p key={d.deviceId} className="my-page__warning">{t('myPage.arrival.deviceBatteryLow', { percent: `${d.battery} %` })}</p>)}
    </section>
  )
}

function Today({ page }: { page: MyPageData }) {
  const { t, language, locale } = useI18n()
  if (page.today.length === 0) return null
  return (
    <section className="my-page__card" aria-labelledby="my-today">
      <h2 id="my-today">{t('myPage.today.title')}</h2>
      <ul className="my-page__list">
        {page.today.map((p) => (
          <li key={`${p.vital}-${p.windowStart}`}>
            {t('myPage.today.item', { what: vitalLabel(p.vital, language), by: new Date(p.deadline).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) })}
            {' '}<strong>{t(STATUS[p.status])}</strong>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** The newest reading of each kind, with its target range and when it arrived. */
function Latest({ page }: { page: MyPageData }) {
  const { t, language, locale } = useI18n()
  const newest = new Map<string, Reading>()
  for (const r of page.readings) if (!newest.has(r.type)) newest.set(r.type, r)
  return (
    <section className="my-page__card" aria-labelledby="my-latest">
      <h2 id="my-latest">{t('myPage.latest.title')}</h2>
      {newest.size === 0 && <p>{t('myPage.latest.none')}</p>}
      <ul className="my-page__readings">
        {[...newest.values()].map((r) => {
          const target = page.targets.find((x) => x.vital === r.type)
          const history = page.readings.filter((x) => x.type === r.type).slice(0, 7)
          return (
            <li key={r.type} className="my-page__reading">
              <h3>{vitalLabel(r.type, language)}</h3>
              <p className="my-page__value">{formatVital(r.type, r.value, r.unit, locale)}</p>
              <p>{t('myPage.latest.measured', { time: formatDateTime(r.measuredAt, locale) })}</p>
              <p>{t('myPage.latest.received', { time: formatDateTime(r.receivedAt, locale) })}</p>
              {target && <TargetText type={r.type} unit={r.unit} low={target.yellow.low} high={target.yellow.high} />}
              <h4 className="my-trend__title">{t('myPage.trend.title')}</h4>
              <MyTrend vital={r.type} unit={r.unit} target={target ? target.yellow : null} />
              {history.length > 1 && (
                <details>
                  <summary>{t('myPage.latest.history')}</summary>
                  <ul className="my-page__list">
                    {history.map((h) => <li key={h.id}>{formatDateTime(h.measuredAt, locale)}: {formatVital(h.type, h.value, h.unit, locale)}</li>)}
                  </ul>
                </details>
              )}
            </li>
          )
        })}
      </ul>
    </section>
  )
}

/** My target range in plain words: the span outside which a reading turns yellow. */
function TargetText({ type, unit, low, high }: { type: string; unit: string; low: number | null; high: number | null }) {
  const { t, locale } = useI18n()
  const f = (v: number) => formatVital(type, v, unit, locale)
  if (low !== null && high !== null) return <p>{t('myPage.latest.targetBetween', { low: f(low), high: f(high) })}</p>
  if (low !== null) return <p>{t('myPage.latest.targetAbove', { low: f(low) })}</p>
  if (high !== null) return <p>{t('myPage.latest.targetBelow', { high: f(high) })}</p>
  return null
}

function SelfCarePlan({ page }: { page: MyPageData }) {
  const { t } = useI18n()
  return (
    <section className="my-page__card" aria-labelledby="my-plan">
      <h2 id="my-plan">{t('myPage.plan.title')}</h2>
      {page.selfCarePlan.text.trim() === ''
        ? <p>{t('myPage.plan.none')}</p>
        : <p className="my-page__plan">{page.selfCarePlan.text}</p>}
      <p>{t('myPage.plan.colours')}</p>
    </section>
  )
}

/** My objection (reservasjon): against one recipient outside the municipality, or all sharing beyond it. */
function Sharing({ page }: { page: MyPageData }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const done = () => queryClient.invalidateQueries({ queryKey: queryKeys.myPage })
  const object = useMutation({ mutationFn: objectToSharing, onSuccess: done })
  const withdraw = useMutation({ mutationFn: withdrawMyObjection, onSuccess: done })
  const all = page.objections.find((o) => !o.withdrawn && o.scope === 'all-beyond-municipal')
  const isBusy = object.isPending || withdraw.isPending
  const error = object.error ?? withdraw.error
  return (
    <section className="my-page__card" aria-labelledby="my-sharing">
      <h2 id="my-sharing">{t('myPage.sharing.title')}</h2>
      <p>{t('myPage.sharing.intro')}</p>
      <ul className="my-page__list">
        {page.recipients.map((r) => (
          <li key={r.memberId} className="my-page__share">
            <p>{t(r.objectionId || all ? 'myPage.sharing.notShared' : 'myPage.sharing.shared', { whom: r.name })}</p>
            {r.objectionId
              ? <button type="button" className="my-page__button" disabled={isBusy} onClick={() => withdraw.mutate(r.objectionId!)}>{t('myPage.sharing.withdraw')}</button>
              : !all && <button type="button" className="my-page__button" disabled={isBusy} onClick={() => object.mutate(r.memberId)}>{t('myPage.sharing.objectTo', { whom: r.name })}</button>}
          </li>
        ))}
        <li className="my-page__share">
          <p>{t(all ? 'myPage.sharing.allObjected' : 'myPage.sharing.allShared')}</p>
          {all
            ? <button type="button" className="my-page__button" disabled={isBusy} onClick={() => withdraw.mutate(all.id)}>{t('myPage.sharing.withdraw')}</button>
            : <button type="button" className="my-page__button" disabled={isBusy} onClick={() => object.mutate(null)}>{t('myPage.sharing.objectAll')}</button>}
        </li>
      </ul>
      {error && <p role="alert" className="my-page__warning">{errorText(error, t)}</p>}
      {(object.isSuccess || withdraw.isSuccess) && !isBusy && <p role="status">{t('myPage.sharing.saved')}</p>}
    </section>
  )
}
