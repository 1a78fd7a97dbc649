import { act, render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { expect, test } from 'vitest'
import { I18nProvider } from '../i18n/i18n'
import { lazyPage } from './lazy-page'
import { PageSuspense } from './page-loading'

// A page outside the first load (pages/lazy-pages.ts): fetched once however
// often it is asked for; once fetched (a row hovered), opening it shows the
// page at once, with no "Laster …" in between; a failed fetch is tried again.
function renderPage(Page: ReturnType<typeof lazyPage<object>>) {
  return render(
    <I18nProvider initialLanguage="nb">
      <MemoryRouter>
        <PageSuspense>
          <Page />
        </PageSuspense>
      </MemoryRouter>
    </I18nProvider>,
  )
}

test('a page fetched beforehand opens without the fallback, and its code is fetched once', async () => {
  let fetches = 0
  const Page = lazyPage(async () => {
    fetches++
    return () => <h1>Pasient</h1>
  })
  await Promise.all([Page.preload(), Page.preload()])
  renderPage(Page)
  // synchronously there: no status shown, not even for a frame
  expect(screen.getByRole('heading', { name: 'Pasient' })).toBeTruthy()
  expect(screen.queryByRole('status')).toBeNull()
  expect(fetches).toBe(1)
})

test('a page not yet fetched says "Laster …" until it comes; a failed fetch is tried again', async () => {
  let fetches = 0
  const Page = lazyPage(async () => {
    fetches++
    if (fetches === 1) throw new Error('offline a moment')
    return () => <h1>Innboks</h1>
  })
  await expect(Page.preload()).rejects.toThrow('offline a moment')
  renderPage(Page)
  expect(screen.getByRole('status').textContent).toBe('Laster …')
  expect(await screen.findByRole('heading', { name: 'Innboks' })).toBeTruthy()
  await act(async () => {})
  expect(fetches).toBe(2)
})
