/**
 * The care relationship that grants access to a patient's health data
 * (Health Personnel Act §§ 25, 45): the user is on the patient's care team,
 * and when the patient objects to sharing (reservasjon), only the municipal
 * team that gives the care keeps access.
 *
 * A condition on the patient aliased `p`, for the user given by the SQL
 * expression `user` (a parameter); every query on a patient's health data
 * adds it (decision 0002).
 */
export const careRelationship = (user: string): string => `
  EXISTS (SELECT 1 FROM care_team_members c
           WHERE c.patient_id = p.id AND c.user_id = ${user}
             AND (NOT p.objects_to_sharing OR c.relation IN ('home-care', 'response-centre')))`

/** The care relationship of the caller, whose user id is parameter `$2`. */
export const CARE_RELATIONSHIP = careRelationship('$2')
