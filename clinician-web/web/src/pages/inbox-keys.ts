import { useEffect } from 'react'

/**
 * Keyboard triage in the inbox (issue 20): j or ↓ the next card, k or ↑ the
 * one before, Enter opens (or closes) the selected card's why, a acknowledges
 * it. Keys typed into a field, or with a modifier, are the field's; Enter and
 * the arrows only act when a card itself has focus (elsewhere Enter presses a
 * button and the arrows scroll), j/k/a anywhere on the page.
 */
export type InboxKey = 'next' | 'previous' | 'open' | 'acknowledge'

export function inboxKeyOf(event: Pick<KeyboardEvent, 'key' | 'altKey' | 'ctrlKey' | 'metaKey'>, target: EventTarget | null): InboxKey | null {
  if (event.altKey || event.ctrlKey || event.metaKey) return null
  const element = target instanceof Element ? target : null
  if (element?.closest('input, textarea, select, [contenteditable="true"]')) return null
  const isOnCard = element?.matches('[data-episode-id]') ?? false
  switch (event.key) {
    case 'j': return 'next'
    case 'k': return 'previous'
    case 'a': return 'acknowledge'
    case 'ArrowDown': return isOnCard ? 'next' : null
    case 'ArrowUp': return isOnCard ? 'previous' : null
    case 'Enter': return isOnCard ? 'open' : null
    default: return null
  }
}

export function useInboxKeys(onKey: (key: InboxKey) => void): void {
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      const key = inboxKeyOf(event, event.target)
      if (!key) return
      event.preventDefault()
      onKey(key)
    }
    window.addEventListener('keydown', listener)
    return () => window.removeEventListener('keydown', listener)
  }, [onKey])
}
