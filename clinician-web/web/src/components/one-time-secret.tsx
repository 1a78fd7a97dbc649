import { useState } from 'react'
import { useI18n } from '../i18n/i18n'
import { QrCode } from './qr-code'

/**
 * A secret the server gives once (a gateway's secret, a user's first
 * password): shown here until the administrator closes it, never stored in
 * the portal's cache, with a copy button and, for a gateway, a QR code a
 * gateway app can scan (the payload h17's provisioning uses too).
 */
export function OneTimeSecret({
  title,
  secret,
  qrText,
  qrLabel,
  onClose,
}: {
  title: string
  secret: string
  qrText?: string
  qrLabel?: string
  onClose: () => void
}) {
  const { t } = useI18n()
  const [isCopied, setCopied] = useState(false)
  const copy = () => {
    navigator.clipboard?.writeText(secret).then(
      () => setCopied(true),
      () => setCopied(false),
    )
  }
  return (
    <section className="one-time-secret notice notice--info" aria-label={title}>
      <h3 className="one-time-secret__title">{title}</h3>
      <p>{t('admin.secretOnce')}</p>
      <p className="one-time-secret__value">
        <code data-testid="one-time-secret">{secret}</code>
      </p>
      {qrText && <QrCode text={qrText} label={qrLabel ?? title} />}
      <div className="button-row">
        <button type="button" className="button" onClick={copy}>
          {t('admin.copy')}
        </button>
        <button type="button" className="button button--primary" onClick={onClose}>
          {t('admin.secretDone')}
        </button>
      </div>
      <p role="status" className="one-time-secret__copied">
        {isCopied ? t('admin.copied') : ''}
      </p>
    </section>
  )
}

/** A destructive action asked twice: the first press says what will happen, the second does it. */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  isBusy,
}: {
  label: string
  question: string
  confirmLabel: string
  onConfirm: () => void
  isBusy: boolean
}) {
  const { t } = useI18n()
  const [isAsking, setAsking] = useState(false)
  if (!isAsking)
    return (
      <button type="button" className="button" onClick={() => setAsking(true)}>
        {label}
      </button>
    )
  return (
    <div className="confirm" role="group" aria-label={label}>
      <p>{question}</p>
      <div className="button-row">
        <button
          type="button"
          className="button button--danger"
          aria-disabled={isBusy}
          onClick={() => {
            if (isBusy) return
            setAsking(false)
            onConfirm()
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button button--quiet" onClick={() => setAsking(false)}>
          {t('admin.cancel')}
        </button>
      </div>
    </div>
  )
}
