/** Red: a warning triangle, yellow: a diamond, as on the traffic light: a shape beside the colour. */
export function SeverityIcon({
  severity,
  className,
}: {
  severity: 'red' | 'yellow'
  className?: string
}) {
  return (
    <svg
      className={className}
      viewBox="0 0 16 16"
      width="12"
      height="12"
      aria-hidden="true"
      focusable="false"
    >
      {severity === 'red' ? <path d="M8 1.5 15 14.5H1Z" /> : <path d="M8 1 15 8 8 15 1 8Z" />}
    </svg>
  )
}
