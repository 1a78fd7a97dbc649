import type { GatewayOverview } from '@varde/api-contract'
import { VITAL_TYPES, type VitalType } from '@varde/domain'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useSearchParams } from 'react-router'
import {
  listGatewayOverview,
  listGatewayRejections,
  pairDevice,
  revokeGateway,
  rotateGateway,
  unpairDevice,
} from '../api/admin'
import { queryKeys } from '../api/query-keys'
import { ConfirmButton, OneTimeSecret } from '../components/one-time-secret'
import { QueryState } from '../components/query-state'
import { RelativeTime } from '../components/relative-time'
import { formatDateTime } from '../i18n/format'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { usePageTitle } from './use-page-title'
import './admin.css'

/** The payload of a gateway's QR code: what a gateway app scans to connect (the same as at provisioning). */
export const gatewayQrText = (id: string, secret: string) =>
  JSON.stringify({ varde: 'gateway/v1', gatewayId: id, secret })

/**
 * The tenant administrator's gateways (basestasjoner) and devices
 * (måleutstyr), issue 17: each gateway's patient, state, battery, firmware
 * and last reading; for the one chosen its devices (pair, unpair), a new
 * secret (shown once, with a QR code), revocation, and the rejections it
 * sent (device-protocol.md "Receipts").
 */
export function AdminGatewaysPage() {
  const { t } = useI18n()
  usePageTitle(t('adminGateways.title'))
  const [params, setParams] = useSearchParams()
  const selectedId = params.get('gateway')
  const list = useQuery({ queryKey: queryKeys.adminGateways, queryFn: ({ signal }) => listGatewayOverview(signal) })
  const selected = list.data?.find((g) => g.id === selectedId)
  const select = (id: string | null) => setParams(id ? { gateway: id } : {}, { replace: true })
  return (
    <div className="page page--admin">
      <div className="page__header">
        <h1 tabIndex={-1}>{t('adminGateways.title')}</h1>
      </div>
      <p className="page__note">{t('adminGateways.intro')}</p>
      <QueryState query={list} errorMessage={t('adminGateways.loadError')} />
      {list.data && list.data.length === 0 && <p className="empty">{t('adminGateways.empty')}</p>}
      {list.data && list.data.length > 0 && (
        <GatewayTable gateways={list.data} selectedId={selectedId} onSelect={select} />
      )}
      {selected && <GatewayDetail key={selected.id} gateway={selected} onClose={() => select(null)} />}
    </div>
  )
}

function vitalLabel(type: string, language: string): string {
  const info = VITAL_TYPES[type as VitalType] as (typeof VITAL_TYPES)[VitalType] | undefined
  return info ? info.label[language === 'en' ? 'en' : 'nb'] : type
}

function LastReading({ reading }: { reading: GatewayOverview['lastReading'] }) {
  const { t, language } = useI18n()
  if (!reading) return <span className="muted">{t('adminGateways.noReading')}</span>
  return (
    <>
      {vitalLabel(reading.type, language)}, <RelativeTime value={reading.measuredAt} />
    </>
  )
}

function Battery({ value }: { value: number | null }) {
  const { t } = useI18n()
  if (value === null) return <span className="muted">{t('adminGateways.unknown')}</span>
  return <span className={value <= 20 ? 'battery battery--low' : 'battery'}>{value} %</span>
}

function GatewayState({ gateway }: { gateway: GatewayOverview }) {
  const { t } = useI18n()
  if (gateway.revokedAt) return <span className="state state--revoked">{t('adminGateways.revoked')}</span>
  return (
    <>
      <span className={`state state--${gateway.state}`}>{t(`adminGateways.state.${gateway.state}`)}</span>
      {gateway.lastSeenAt && (
        <span className="state__seen">
          {' '}
          ({t('adminGateways.lastSeen')} <RelativeTime value={gateway.lastSeenAt} />)
        </span>
      )}
    </>
  )
}

function GatewayTable({
  gateways,
  selectedId,
  onSelect,
}: {
  gateways: GatewayOverview[]
  selectedId: string | null
  onSelect: (id: string) => void
}) {
  const { t } = useI18n()
  const columns = {
    gateway: t('adminGateways.gateway'),
    patient: t('adminGateways.patient'),
    state: t('adminGateways.state'),
    battery: t('adminGateways.battery'),
    firmware: t('adminGateways.firmware'),
    reading: t('adminGateways.lastReading'),
    devices: t('adminGateways.deviceCount'),
    rejections: t('adminGateways.rejections'),
  }
  return (
    <table className="admin-table">
      <caption className="visually-hidden">{t('adminGateways.title')}</caption>
      <thead>
        <tr>
          {Object.values(columns).map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {gateways.map((g) => (
          <tr key={g.id} aria-current={g.id === selectedId ? 'true' : undefined} data-testid={`gateway-${g.id}`}>
            <th scope="row" data-label={columns.gateway}>
              <button type="button" className="button button--quiet" onClick={() => onSelect(g.id)}>
                {g.id}
              </button>
            </th>
            <td data-label={columns.patient}>{g.patient?.displayName ?? '–'}</td>
            <td data-label={columns.state}>
              <GatewayState gateway={g} />
            </td>
            <td data-label={columns.battery}>
              <Battery value={g.battery} />
            </td>
            <td data-label={columns.firmware}>{g.firmware ?? '–'}</td>
            <td data-label={columns.reading}>
              <LastReading reading={g.lastReading} />
            </td>
            <td data-label={columns.devices}>{g.devices.filter((d) => d.pairedAt).length}</td>
            <td data-label={columns.rejections}>{g.recentRejections}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function GatewayDetail({ gateway, onClose }: { gateway: GatewayOverview; onClose: () => void }) {
  const { t } = useI18n()
  const queryClient = useQueryClient()
  const [secret, setSecret] = useState<string | null>(null)
  const [deviceId, setDeviceId] = useState('')
  const refresh = () => void queryClient.invalidateQueries({ queryKey: queryKeys.adminGateways })
  const rotate = useMutation({ mutationFn: () => rotateGateway(gateway.id), onSuccess: (r) => setSecret(r.secret) })
  const revoke = useMutation({ mutationFn: () => revokeGateway(gateway.id), onSuccess: refresh })
  const pair = useMutation({
    mutationFn: (id: string) => pairDevice(gateway.id, id),
    onSuccess: () => {
      setDeviceId('')
      refresh()
    },
  })
  const unpair = useMutation({ mutationFn: (id: string) => unpairDevice(gateway.id, id), onSuccess: refresh })
  const failure = [rotate, revoke, pair, unpair].find((m) => m.isError)?.error
  const isRevoked = gateway.revokedAt !== null
  // the detail opens below the list: move there, so the keyboard and a screen reader do too
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const submitPair = (e: FormEvent) => {
    e.preventDefault()
    if (deviceId.trim() && !pair.isPending) pair.mutate(deviceId.trim())
  }
  return (
    <section className="admin-detail" aria-labelledby="gateway-detail-title">
      <div className="admin-detail__header">
        <h2 id="gateway-detail-title" tabIndex={-1} ref={heading}>
          {t('adminGateways.detailTitle', { id: gateway.id })}
        </h2>
        <button type="button" className="button button--quiet" onClick={onClose}>
          {t('admin.close')}
        </button>
      </div>
      <p>
        {gateway.patient ? t('adminGateways.forPatient', { name: gateway.patient.displayName }) : t('adminGateways.noPatient')}
      </p>
      {failure !== undefined && (
        <p className="notice notice--error" role="alert">
          {errorText(failure, t)}
        </p>
      )}
      {secret && (
        <OneTimeSecret
          title={t('adminGateways.newSecret', { id: gateway.id })}
          secret={secret}
          qrText={gatewayQrText(gateway.id, secret)}
          qrLabel={t('adminGateways.qrLabel', { id: gateway.id })}
          onClose={() => setSecret(null)}
        />
      )}
      {!isRevoked && (
        <div className="button-row">
          <ConfirmButton
            label={t('adminGateways.rotate')}
            question={t('adminGateways.rotateQuestion')}
            confirmLabel={t('adminGateways.rotateConfirm')}
            onConfirm={() => rotate.mutate()}
            isBusy={rotate.isPending}
          />
          <ConfirmButton
            label={t('adminGateways.revoke')}
            question={t('adminGateways.revokeQuestion')}
            confirmLabel={t('adminGateways.revokeConfirm')}
            onConfirm={() => revoke.mutate()}
            isBusy={revoke.isPending}
          />
        </div>
      )}

      <h3>{t('adminGateways.devices')}</h3>
      {gateway.devices.length === 0 ? (
        <p className="empty">{t('adminGateways.noDevices')}</p>
      ) : (
        <DeviceTable
          gateway={gateway}
          onPair={(id) => pair.mutate(id)}
          onUnpair={(id) => unpair.mutate(id)}
          isBusy={unpair.isPending || pair.isPending}
        />
      )}
      {!isRevoked && (
        <form className="inline-form" onSubmit={submitPair}>
          <div className="field">
            <label htmlFor="pair-device-id">{t('adminGateways.deviceId')}</label>
            <input
              id="pair-device-id"
              type="text"
              value={deviceId}
              onChange={(e) => setDeviceId(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="pair-device-hint"
            />
            <p id="pair-device-hint" className="field__hint">
              {t('adminGateways.deviceIdHint')}
            </p>
          </div>
          <button type="submit" className="button button--primary" aria-disabled={pair.isPending}>
            {t('adminGateways.pair')}
          </button>
        </form>
      )}

      <h3>{t('adminGateways.rejectionsTitle')}</h3>
      <Rejections gatewayId={gateway.id} />
    </section>
  )
}

function DeviceTable({
  gateway,
  onPair,
  onUnpair,
  isBusy,
}: {
  gateway: GatewayOverview
  onPair: (deviceId: string) => void
  onUnpair: (deviceId: string) => void
  isBusy: boolean
}) {
  const { t, locale, language } = useI18n()
  const columns = {
    device: t('adminGateways.device'),
    paired: t('adminGateways.paired'),
    battery: t('adminGateways.battery'),
    reading: t('adminGateways.lastReading'),
    action: t('adminGateways.action'),
  }
  return (
    <table className="admin-table admin-table--devices">
      <caption className="visually-hidden">{t('adminGateways.devicesOf', { id: gateway.id })}</caption>
      <thead>
        <tr>
          {Object.values(columns).map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {gateway.devices.map((d) => (
          <tr key={d.deviceId} data-testid={`device-${d.deviceId}`}>
            <th scope="row" data-label={columns.device}>
              <code>{d.deviceId}</code>
            </th>
            <td data-label={columns.paired}>
              {d.pairedAt ? formatDateTime(d.pairedAt, locale) : t('adminGateways.notPaired')}
            </td>
            <td data-label={columns.battery}>
              <Battery value={d.battery} />
            </td>
            <td data-label={columns.reading}>
              {d.lastReadingAt ? (
                <>
                  {d.lastReadingType && `${vitalLabel(d.lastReadingType, language)}, `}
                  <RelativeTime value={d.lastReadingAt} />
                </>
              ) : (
                <span className="muted">{t('adminGateways.noReading')}</span>
              )}
            </td>
            <td data-label={columns.action}>
              {gateway.revokedAt === null &&
                (d.pairedAt ? (
                  <button
                    type="button"
                    className="button"
                    aria-disabled={isBusy}
                    onClick={() => !isBusy && onUnpair(d.deviceId)}
                    aria-label={t('adminGateways.unpairDevice', { id: d.deviceId })}
                  >
                    {t('adminGateways.unpair')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="button"
                    aria-disabled={isBusy}
                    onClick={() => !isBusy && onPair(d.deviceId)}
                    aria-label={t('adminGateways.pairDevice', { id: d.deviceId })}
                  >
                    {t('adminGateways.pair')}
                  </button>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Rejections({ gatewayId }: { gatewayId: string }) {
  const { t, locale } = useI18n()
  const rejections = useQuery({
    queryKey: queryKeys.gatewayRejections(gatewayId),
    queryFn: ({ signal }) => listGatewayRejections(gatewayId, signal),
  })
  const columns = {
    time: t('adminGateways.received'),
    code: t('adminGateways.code'),
    detail: t('adminGateways.detail'),
    raw: t('adminGateways.raw'),
  }
  return (
    <>
      <QueryState query={rejections} errorMessage={t('adminGateways.rejectionsLoadError')} />
      {rejections.data && rejections.data.items.length === 0 && (
        <p className="empty">{t('adminGateways.noRejections')}</p>
      )}
      {rejections.data && rejections.data.items.length > 0 && (
        <table className="admin-table admin-table--rejections">
          <caption className="visually-hidden">{t('adminGateways.rejectionsTitle')}</caption>
          <thead>
            <tr>
              {Object.values(columns).map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rejections.data.items.map((r) => (
              <tr key={r.id}>
                <td data-label={columns.time}>{formatDateTime(r.receivedAt, locale)}</td>
                <td data-label={columns.code}>
                  <code>{r.code}</code>
                  {r.batchId && (
                    <span className="muted">
                      {' '}
                      {t('adminGateways.inBatch', { batch: r.batchId, id: r.measurementId ?? '–' })}
                    </span>
                  )}
                </td>
                <td data-label={columns.detail}>{r.detail}</td>
                <td data-label={columns.raw}>
                  <details>
                    <summary>
                      {r.rawEncoding === 'base64' ? t('adminGateways.rawBase64') : t('adminGateways.rawText')}
                    </summary>
                    <pre className="raw">{r.raw}</pre>
                    {r.rawLength > r.raw.length && (
                      <p className="muted">{t('adminGateways.rawCut', { shown: r.raw.length, total: r.rawLength })}</p>
                    )}
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
