import type { Patient } from '@varde/api-contract'
import { useWindowVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react'
import { PatientRow } from '../components/patient-row'

/**
 * Above this many rows the list renders only those near the viewport (docs/decisions/0035):
 * a nurse's 80 patients stay whole in the page (find in page, print), 500 do not cost 500
 * rows of DOM. `bench:portal` measures both.
 */
export const VIRTUALISE_ABOVE = 100

/** Keys on the list (shown in `patients.keys`): move, first/last; Enter opens (the row is a link). */
const MOVES: Record<string, (index: number, last: number) => number> = {
  ArrowDown: (i, last) => Math.min(i + 1, last),
  j: (i, last) => Math.min(i + 1, last),
  ArrowUp: (i) => Math.max(i - 1, 0),
  k: (i) => Math.max(i - 1, 0),
  Home: () => 0,
  End: (_i, last) => last,
}

export interface RowsHandle {
  focusRow(index: number): void
}

export function PatientRows({
  patients,
  isWhole,
  onReady,
}: {
  patients: readonly Patient[]
  /** Render every row, whatever the count (`?rows=all`: print, find in page; the bench's baseline). */
  isWhole: boolean
  onReady?: (handle: RowsHandle) => void
}) {
  const isVirtual = !isWhole && patients.length > VIRTUALISE_ABOVE
  const listRef = useRef<HTMLUListElement>(null)
  const [scrollMargin, setScrollMargin] = useState(0)
  const pendingFocus = useRef<number | null>(null)

  const virtualizer = useWindowVirtualizer({
    count: isVirtual ? patients.length : 0,
    estimateSize: () => 132,
    overscan: 6,
    gap: 10,
    scrollMargin,
    getItemKey: (i) => patients[i]?.id ?? i,
  })

  // the list starts below the header and filters: the window's scroll is measured from there. Measured when the
  // rows change and when anything above it changes size (the filters open or wrap), not on every scroll frame.
  useLayoutEffect(() => {
    const list = listRef.current
    if (!list || !isVirtual) return
    const measure = () => {
      const top = list.getBoundingClientRect().top + window.scrollY
      setScrollMargin((current) => (Math.abs(top - current) > 1 ? top : current))
    }
    measure()
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null
    if (list.parentElement) observer?.observe(list.parentElement)
    return () => observer?.disconnect()
  }, [isVirtual, patients])

  const rowLink = (index: number) =>
    listRef.current?.querySelector<HTMLElement>(`li[data-index="${index}"] [data-row-link]`) ?? null

  const focusRow = useCallback(
    (index: number) => {
      const link = rowLink(index)
      if (link) {
        link.focus()
        return
      }
      // a row not rendered yet: scroll to it, focus it once it is there (the effect below)
      pendingFocus.current = index
      virtualizer.scrollToIndex(index, { align: 'auto' })
    },
    [virtualizer],
  )

  useLayoutEffect(() => {
    if (pendingFocus.current === null) return
    const link = rowLink(pendingFocus.current)
    if (link) {
      pendingFocus.current = null
      link.focus()
    }
  })

  useLayoutEffect(() => onReady?.({ focusRow }), [onReady, focusRow])

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const move = MOVES[e.key]
    if (!move || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return
    const row = (e.target as HTMLElement).closest<HTMLElement>('li[data-index]')
    if (!row) return
    e.preventDefault()
    focusRow(move(Number(row.dataset.index), patients.length - 1))
  }

  if (!isVirtual) {
    return (
      <ul className="patient-list" ref={listRef} onKeyDown={onKeyDown} data-rendering="whole">
        {patients.map((p, i) => (
          <PatientRow key={p.id} patient={p} index={i} setSize={patients.length} />
        ))}
      </ul>
    )
  }
  const items = virtualizer.getVirtualItems()
  return (
    <ul
      className="patient-list patient-list--virtual"
      ref={listRef}
      onKeyDown={onKeyDown}
      data-rendering="virtual"
      style={{ height: virtualizer.getTotalSize() }}
    >
      {items.map((item) => {
        const p = patients[item.index]
        if (!p) return null
        return (
          <PatientRow
            key={item.key}
            ref={virtualizer.measureElement}
            patient={p}
            index={item.index}
            setSize={patients.length}
            offset={item.start - virtualizer.options.scrollMargin}
          />
        )
      })}
    </ul>
  )
}
