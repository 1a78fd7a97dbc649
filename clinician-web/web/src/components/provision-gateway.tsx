import { useId, useState } from 'react'
import './service-course.css'
import { provisionGateway } from '../api/service-course'
import { errorText } from '../i18n/error-text'
import { useI18n } from '../i18n/i18n'
import { QrCode } from './qr-code'

/** What a gateway app scans: its id and secret (device-protocol.md "Connection": username = id, password = secret). */
export const gatewayQrText = (gateway: { id: string; secret: string }) =>
  JSON.stringify({ varde: 'gateway/v1', gatewayId: gateway.id, secret: gateway.secret })

/**
 * Provisioning a gateway (basestasjon) for a patient, for an administrator:
 * the secret is shown once, as text and as a QR code, and is never shown
 * again (a lost one is replaced by rotating it). Reused wherever a gateway
 * is handed out (enrolment, the gateway overview).
 */
export function ProvisionGateway({
  patientId,
  onProvisioned,
}: {
  patientId: string
  onProvisioned?: (gatewayId: string) => void
}) {
  const { t } = useI18n()
  const id = useId()
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)

  async function provision() {
    if (isBusy) return
    setBusy(true)
    setError(null)
    try {
      const gateway = await provisionGateway(patientId)
      setCreated(gateway)
      onProvisioned?.(gateway.id)
    } catch (e) {
      setError(errorText(e, t))
    } finally {
      setBusy(false)
    }
  }

  if (created) {
    return (
      <div className="provision" aria-labelledby={`${id}-done`}>
        <p id={`${id}-done`} className="notice notice--success" role="status">
          {t('provision.provisioned')}
        </p>
        <dl className="provision__facts">
          <dt>{t('provision.id')}</dt>
          <dd>
            <code data-testid="gateway-id">{created.id}</code>
          </dd>
          <dt>{t('provision.secret')}</dt>
          <dd>
            <code data-testid="gateway-secret" className="provision__secret">
              {created.secret}
            </code>
          </dd>
        </dl>
        <p className="provision__once">{t('provision.secretOnce')}</p>
        <QrCode text={gatewayQrText(created)} label={t('provision.qrLabel', { id: created.id })} />
      </div>
    )
  }
  return (
    <div className="provision">
      <button type="button" className="button button--primary" onClick={() => void provision()} aria-busy={isBusy || undefined}>
        {t('provision.button')}
      </button>
      {error && (
        <p className="notice notice--error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
