import { lazyPage } from '../components/lazy-page'

// Every page but the list, the login and the tenant choice: its code loads when
// it is opened, so a cold start of the list loads only what the list needs
// (bench/src/portal-list.ts holds that to a budget, issue 20). Only dynamic
// imports here: importing this module pulls no page into the first load.

// the charts (Recharts) load with the first patient page, not with the list a nurse starts on
export const PatientPage = lazyPage(() => import('./patient-page').then((m) => m.PatientPage))
export const AlertsPage = lazyPage(() => import('./alerts-page').then((m) => m.AlertsPage))
export const ShiftPage = lazyPage(() => import('./shift-page').then((m) => m.ShiftPage))
// the administrator's pages (and the QR code library) load only for an administrator who opens them
export const AdminGatewaysPage = lazyPage(() => import('./admin-gateways-page').then((m) => m.AdminGatewaysPage))
export const AdminUsersPage = lazyPage(() => import('./admin-users-page').then((m) => m.AdminUsersPage))
export const EnrolPage = lazyPage(() => import('./enrol-page').then((m) => m.EnrolPage))
export const DeliveriesPage = lazyPage(() => import('./deliveries-page').then((m) => m.DeliveriesPage))
export const AdminWhatIfPage = lazyPage(() => import('./admin-what-if-page').then((m) => m.AdminWhatIfPage))
export const LogControlPage = lazyPage(() => import('./log-control-page').then((m) => m.LogControlPage))
// the patient's own pages (issue 25) are never the clinician's list
export const MyPage = lazyPage(() => import('./my-page').then((m) => m.MyPage))
export const AccessReportPage = lazyPage(() => import('./access-report-page').then((m) => m.AccessReportPage))

/**
 * Fetch the patient page's code while the nurse reads the list (a row pointed
 * at or focused, or soon after the list is up), so the patient opened is there
 * at once. A failed prefetch is tried again when the page is opened.
 */
export function prefetchPatientPage(): void {
  PatientPage.preload().catch(() => {})
}
