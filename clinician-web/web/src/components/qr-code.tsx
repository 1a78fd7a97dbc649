import QRCode from 'qrcode'
import { useMemo } from 'react'

/**
 * A QR code as inline SVG, one path of dark modules (the `qrcode` package
 * computes the matrix). Drawn as elements rather than an image or data: URL,
 * so the Content-Security-Policy needs nothing more.
 */
export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const { path, count } = useMemo(() => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
    const n = modules.size
    let d = ''
    for (let y = 0; y < n; y += 1)
      for (let x = 0; x < n; x += 1) if (modules.get(y, x)) d += `M${x + 4} ${y + 4}h1v1h-1z`
    return { path: d, count: n + 8 }
  }, [text])
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${count} ${count}`}
      width={size}
      height={size}
      shapeRendering="crispEdges"
    >
      <rect width={count} height={count} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}
