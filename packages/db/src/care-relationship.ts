/**
 * The care relationship that grants access to a patient's health data
 * (Health Personnel Act §§ 25, 45; Patient Records Act § 19): the user has an
 * ACTIVE relationship on the patient's care team (started, not ended: an
 * ended relationship ends access at the next statement), and no objection
 * (reservasjon) stands against it. An objection against all sharing leaves
 * only the municipal team that gives the care; one against a recipient hides
 * the patient from that user, or from the users whose relationship forwards
 * to that organisation (migration 0013).
 *
 * Or an EMERGENCY ACCESS (nødrett, break the glass; migration 0020) the user
 * opened for the patient, until it expires on the platform clock: it stands
 * whatever the care team and objections say (that is what it is for), and
 * log control flags every access made under it for review.
 *
 * Or, for a machine client (fhir_clients, migration 0037; docs/decisions/0038),
 * whose id stands where a user's would: a relationship on the care team of
 * the organisation it acts for (its organisation number), under the same
 * rules. For a user the client lookup finds nothing, so it adds nothing.
 *
 * A condition on the patient aliased `p`, for the user given by the SQL
 * expression `user` (a parameter); every query on a patient's health data
 * adds it (decision 0002).
 */
export const careRelationship = (user: string): string => `
  (EXISTS (SELECT 1 FROM emergency_access e WHERE e.patient_id = p.id AND e.user_id = ${user} AND e.expires_at > varde_now())
   OR EXISTS (SELECT 1 FROM care_team_members c
           WHERE c.patient_id = p.id
             AND (c.user_id = ${user}
                  OR c.organisation_number = (SELECT fc.organisation_number FROM fhir_clients fc WHERE fc.id = ${user} AND fc.disabled_at IS NULL))
             AND c.starts_at <= now() AND (c.ends_at IS NULL OR c.ends_at > now())
             AND (NOT p.objects_to_sharing OR c.relation IN ('home-care', 'response-centre'))
             AND NOT EXISTS (SELECT 1 FROM patient_objections o
                              WHERE o.patient_id = p.id AND o.withdrawn_at IS NULL AND o.scope = 'recipient'
                                AND (o.user_id = c.user_id OR o.recipient_id = c.recipient_id))))`

/** The care relationship of the caller, whose user id is parameter `$2`. */
export const CARE_RELATIONSHIP = careRelationship('$2')
