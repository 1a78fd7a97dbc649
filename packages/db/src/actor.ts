/**
 * Who acts, as a statement needs it (issue 15): the tenant it acts in, the
 * user (null for a service that is no user: the CLI, Node-RED), and the
 * name written to the access log and the alert's history. One shape for
 * every write (alerts, rules and pauses, gateways), where there were three
 * (`AlertActor`, `CareActor`, `ProvisioningActor`, one with `name`). The
 * server's access layer builds it from its richer `Actor`
 * (clinician-web/server/src/access/actor.ts) and so does the gateway CLI;
 * nothing else should.
 *
 * A statement that needs a care relationship matches nothing for a null
 * user: a service is answered as for an unknown id, never let through.
 */
export interface DbActor {
  tenantId: string
  userId: string | null
  username: string
}
