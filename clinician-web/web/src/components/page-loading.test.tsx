import { render, screen, within } from '@testing-library/react'
import { lazy, type JSX } from 'react'
import { MemoryRouter } from 'react-router'
import { expect, test, vi } from 'vitest'
import { I18nProvider } from '../i18n/i18n'
import { PageSuspense } from './page-loading'

// A page whose code has not come yet (app.tsx, React.lazy): the wait is said
// in the page's place, as a status a screen reader announces, in the
// language chosen; then the page takes its place.
function renderWaiting(language: 'nb' | 'en') {
  let arrive: () => void = () => {}
  const Page = lazy(
    () => new Promise<{ default: () => JSX.Element }>((resolve) => {
      arrive = () => resolve({ default: () => <h1>Innboks</h1> })
    }),
  )
  render(
    <I18nProvider initialLanguage={language}>
      <MemoryRouter>
        <PageSuspense>
          <Page />
        </PageSuspense>
      </MemoryRouter>
    </I18nProvider>,
  )
  return () => arrive()
}

test('while a page loads its code, "Laster …" is a status in its place, and the page replaces it', async () => {
  const arrive = renderWaiting('nb')
  expect(screen.getByRole('status').textContent).toBe('Laster …')
  arrive()
  expect(await screen.findByRole('heading', { name: 'Innboks' })).toBeTruthy()
  expect(screen.queryByRole('status')).toBeNull()
})

test('the wait is said in English when English is chosen', () => {
  renderWaiting('en')
  expect(screen.getByRole('status').textContent).toBe('Loading …')
})

test('a page whose code cannot be fetched (a deploy replaced it) says so, with a way to reload, not a blank window', async () => {
  const Page = lazy(() => Promise.reject(new TypeError('Failed to fetch dynamically imported module')))
  const silenced = vi.spyOn(console, 'error').mockImplementation(() => {})
  render(
    <I18nProvider initialLanguage="nb">
      <MemoryRouter>
        <PageSuspense>
          <Page />
        </PageSuspense>
      </MemoryRouter>
    </I18nProvider>,
  )
  const alert = await screen.findByRole('alert')
  silenced.mockRestore()
  expect(alert.textContent).toMatch(/Kunne ikke hente siden/)
  expect(within(alert).getByRole('button', { name: 'Last inn på nytt' })).toBeTruthy()
})
