import { render, screen } from '@testing-library/react'
import { lazy, type JSX } from 'react'
import { expect, test } from 'vitest'
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
      <PageSuspense>
        <Page />
      </PageSuspense>
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
