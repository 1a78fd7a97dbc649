import { lazy, type ComponentType, type LazyExoticComponent } from 'react'

export type LazyPage<P> = LazyExoticComponent<ComponentType<P>> & {
  /** Fetch the page's code now (on a row's hover, after the list is up); safe to call again. */
  preload: () => Promise<ComponentType<P>>
}

/**
 * A page whose code is outside the first load (app.tsx, issue 20's budget).
 * React.lazy alone suspends once even when the code has already come (a
 * promise can't be read synchronously), and React then holds the fallback for
 * up to 300 ms: a page prefetched on hover would still flash "Laster …". So a
 * page already loaded is handed over as a thenable that answers at once, which
 * React's lazy reads without suspending.
 */
export function lazyPage<P>(load: () => Promise<ComponentType<P>>): LazyPage<P> {
  let loaded: ComponentType<P> | undefined
  let loading: Promise<ComponentType<P>> | undefined
  const preload = () => {
    loading ??= load().then(
      (page) => (loaded = page),
      (error: unknown) => {
        // a failed fetch (offline a moment) is tried again next time, not remembered
        loading = undefined
        throw error
      },
    )
    return loading
  }
  const Page = lazy(() => {
    if (loaded === undefined) return preload().then((page) => ({ default: page }))
    const page = loaded
    const answered = { then: (resolve: (module: { default: ComponentType<P> }) => void) => resolve({ default: page }) }
    return answered as unknown as Promise<{ default: ComponentType<P> }>
  })
  return Object.assign(Page, { preload })
}
