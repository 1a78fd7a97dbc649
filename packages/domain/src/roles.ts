/**
 * Who logs in (platform-contract.md "Demo mode"; migrations 0001 and 0010).
 * A role grants nothing by itself: health data follows the care
 * relationship, or for a patient their own link.
 */
export const ROLES = ['nurse', 'clinician', 'admin', 'privacy-officer', 'patient', 'gp'] as const
export type Role = (typeof ROLES)[number]

