import type { FhirResource } from './fhir/identifiers.js'
import type { ForwardedAlert, ForwardedPatient, ForwardedReading, ForwardingRecipient, SenderIdentity } from '@varde/db'

/**
 * What a recipient gets, independent of how it travels: an alert (red, at
 * once) or a day's readings. A transport shapes it for its route: FHIR REST
 * to the recipient's own endpoint (fhir-rest-transport.ts) now; Pasientens
 * måledata (PMD 2.0: VkpObservation profiles, HelseID with DPoP) is the next
 * adapter behind this same interface (docs/decisions/0013).
 */
export type Forwarded =
  | { kind: 'alert'; alert: ForwardedAlert; organisation: SenderOrganisation; share?: AlertShare | undefined }
  | { kind: 'readings'; patient: ForwardedPatient; readings: ForwardedReading[]; window: { start: Date; end: Date }; organisation: SenderOrganisation; sender?: SenderIdentity }
  /** The weekly summary, made at send time: a DiagnosticReport with its narrative and PDF (summary/). */
  | { kind: 'summary'; report: FhirResource; organisation: SenderOrganisation }

/**
 * A nurse's "Del med fastlege" (docs/decisions/0023): the delivery's own id
 * (its Communication is a message of its own, created once by that id) and
 * the note to the GP.
 */
export interface AlertShare {
  id: string
  note: string | null
  byName: string
}

/** Who sends: the municipality (tenant), and where a reader follows a link back. */
export interface SenderOrganisation {
  tenantId: string
  /** The portal as users reach it (VARDE_PUBLIC_URL): alerts link to `<publicUrl>/alerts?alert=<id>`. */
  publicUrl: string
}

/** A recipient's address as the worker resolved it (the demo practice's URL comes from configuration). */
export interface Destination {
  recipient: ForwardingRecipient
  baseUrl: string
}

/**
 * What a delivery left undelivered on purpose: readings the recipient refused
 * on their own (a 4xx for their entry; PMD answers each entry) or that could
 * not be sent in its shape. Each is a dead letter; the rest was delivered.
 */
export interface DeliveryReceipt {
  refused: { readingIds: string[]; status: string }[]
}

export interface ForwardingTransport {
  /**
   * Delivers once; throws DeliveryError when it is to be tried again (or is a
   * dead letter after the last try). Must be safe to repeat: a re-delivery may
   * never duplicate at the receiver.
   */
  deliver(destination: Destination, forwarded: Forwarded): Promise<void | DeliveryReceipt>
}

export type DeliveryErrorCode =
  | 'recipient-unreachable' // no answer, connection refused, timeout
  | 'recipient-refused' // an HTTP error status for the whole request
  | 'entry-refused' // the batch answered, one of its entries did not succeed
  | 'invalid-response' // not a batch-response Bundle
  | 'no-content' // nothing to deliver (a patient gone): settles as cancelled
  | 'unauthorized' // 401/403 after the one retry with the server's DPoP nonce
  | 'not-configured' // the sender lacks what the route needs (PMD: municipality or organisation number)

/** A failed delivery: `code` and `detail` name the failure, never health data (it is kept on the outbox row). */
export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`)
    this.name = 'DeliveryError'
  }
}
