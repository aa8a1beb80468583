/**
 * Who did something the audit trail records: a name for display and, when
 * known, a stable id (`entra:<tid>/<oid>`, `machine:<caller>`,
 * `local:admin`). Names change (a renamed UPN); ids do not.
 */
export interface Actor {
  name: string;
  id: string | null;
}

/** An actor, or a bare name (the id then unknown: internal callers, tests, the system itself). */
export type ActorLike = string | Actor;

export function actorOf(by: ActorLike): Actor {
  return typeof by === 'string' ? { name: by, id: null } : { name: by.name, id: by.id };
}

/** How the transcript names an actor: the name, with the stable id when known. */
export function describeActor(a: Actor): string {
  return a.id === null ? a.name : `${a.name} (${a.id})`;
}
