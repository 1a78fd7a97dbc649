/**
 * The patient page's code (and Recharts with it), outside the first load
 * (app.tsx): fetched after the list is up, or sooner when a row is pointed at
 * or focused, so the patient a nurse opens is there at once. The browser
 * caches the module, so calling this again costs nothing.
 */
export const loadPatientPage = () => import('./patient-page')

/** For a row's pointer or focus: a failed prefetch is retried when the page is opened. */
export function prefetchPatientPage(): void {
  loadPatientPage().catch(() => {})
}
