import { randomUUID } from 'node:crypto';

import { NOTIFICATION_TYPES, NotificationType } from '../domain/notification-types';

export { NOTIFICATION_TYPES, type NotificationType };

/** What a webhook receives (the JSON body) and an email describes. */
export interface NotificationEvent {
  /** A UUID, also sent as X-RemoteSupport-Delivery: receivers drop a repeat they have already seen. */
  id: string;
  type: NotificationType;
  cluster: string;
  /** When it happened, ISO 8601 UTC. */
  at: string;
  /** One sentence an admin reads. */
  summary: string;
  /** The event's facts, as the gateway recorded them; times as ISO 8601 UTC. */
  data: Record<string, unknown>;
}

/** An event as the gateway's event hub carries it. */
export interface HubEvent {
  type: string;
  cluster: string;
  at: number;
  data: unknown;
}

export function isNotificationType(type: string): type is NotificationType {
  return (NOTIFICATION_TYPES as readonly string[]).includes(type);
}

/**
 * The notification for a hub event, or null when the event is not one admins
 * are told about. Events published by other parts (requests, repairs) are
 * mapped from whatever fields their data holds.
 */
export function toNotification(event: HubEvent, newId: () => string = randomUUID): NotificationEvent | null {
  if (!isNotificationType(event.type)) return null;
  const data = factsOf(event.data);
  return { id: newId(), type: event.type, cluster: event.cluster, at: new Date(event.at).toISOString(), summary: summaryOf(event.type, event.cluster, data), data };
}

/** A JSON-able copy of the facts; epoch-millisecond times (`…At` fields) become ISO 8601 UTC. */
function factsOf(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data === undefined ? {} : { value: data };
  const facts: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(JSON.parse(JSON.stringify(data)) as Record<string, unknown>)) {
    facts[key] = /At$/.test(key) && typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : value;
  }
  return facts;
}

/** A fact as text: a string, a number, or an actor's name ({ name, id }). */
const text = (value: unknown): string | null => {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  const name = (value as { name?: unknown } | null)?.name;
  return typeof value === 'object' && typeof name === 'string' && name !== '' ? name : null;
};
const first = (data: Record<string, unknown>, ...keys: string[]): string | null => {
  for (const key of keys) {
    const value = text(data[key]);
    if (value !== null) return value;
  }
  return null;
};

/** Who, at what level, for which case: the parts of a sentence present in the facts. */
function who(data: Record<string, unknown>): { engineer: string | null; level: string | null; supportCase: string | null } {
  return {
    engineer: first(data, 'engineer', 'requestedBy', 'engineerName'),
    level: first(data, 'accessLevel', 'level'),
    supportCase: first(data, 'supportCase', 'supportCaseNumber'),
  };
}

function summaryOf(type: NotificationType, cluster: string, data: Record<string, unknown>): string {
  const { engineer, level, supportCase } = who(data);
  const by = engineer ? ` by ${engineer}` : '';
  const atLevel = level ? ` at ${level}` : '';
  const forCase = supportCase ? ` for support case ${supportCase}` : '';
  switch (type) {
    case 'request.created':
      // The engineer's reason is in the data, never in the sentence: Teams renders card text as markdown.
      return data['kind'] === 'extension'
        ? `Support${engineer ? ` engineer ${engineer}` : ''} asks for more time on ${cluster}${forCase}; approve or deny it in Windows Admin Center.`
        : `Support${engineer ? ` engineer ${engineer}` : ''} asks for access to ${cluster}${atLevel}${forCase}; approve or deny it in Windows Admin Center.`;
    case 'request.expired':
      return `A request for access to ${cluster}${by}${forCase} expired unanswered.`;
    case 'session.started':
      return `A support session on ${cluster} started${by}${atLevel}${forCase}.`;
    case 'session.ended': {
      const reason = first(data, 'endReason');
      return `A support session on ${cluster}${by} ended${reason ? ` (${reason})` : ''}.`;
    }
    case 'repair.pending': {
      const command = first(data, 'command', 'commandLine', 'cmdlet');
      const node = first(data, 'node');
      return `A repair${command ? ` (${command})` : ''}${node ? ` on ${node}` : ''}${by} waits for your approval on ${cluster}.`;
    }
    case 'grant.revoked': {
      const admin = first(data, 'endedBy');
      return `Support access to ${cluster}${atLevel} was revoked${admin ? ` by ${admin}` : ''}${forCase}.`;
    }
    case 'grant.expired':
      return `Support access to ${cluster}${atLevel} expired${forCase}.`;
    case 'integrity.failed': {
      const problem = first(data, 'problem');
      return `An integrity check on ${cluster} found a problem${problem ? `: ${problem}` : ''}; the record may have been changed.`;
    }
  }
}

/** For each type: a short title (card headings, email subjects) and what the admin should do. */
export const NOTIFICATION_TEXT: Readonly<Record<NotificationType, { title: string; todo: string }>> = {
  'request.created': { title: 'Access requested', todo: 'Open Remote Support in Windows Admin Center and approve or deny the request before it expires.' },
  'request.expired': { title: 'Access request expired', todo: 'Nothing is needed unless support still needs access: the engineer can ask again, or you can grant access in Windows Admin Center.' },
  'session.started': { title: 'Support session started', todo: 'Watch the session live in Windows Admin Center; if you did not expect it, end the session or revoke access there.' },
  'session.ended': { title: 'Support session ended', todo: "Review the session's transcript in the history in Windows Admin Center." },
  'repair.pending': { title: 'Repair waits for approval', todo: 'Open Remote Support in Windows Admin Center and approve or refuse the repair; unanswered, it is refused when it times out.' },
  'grant.revoked': { title: 'Access revoked', todo: 'Nothing to do: engineers can no longer connect. Grant access again if support still needs it.' },
  'grant.expired': { title: 'Access expired', todo: 'Nothing to do: engineers can no longer connect. Grant access again if support still needs it.' },
  'integrity.failed': { title: 'Integrity check failed', todo: "Verify the affected sessions in Windows Admin Center, export them, compare with your backups, and find out who could write to the gateway's data directory." },
};

/** The facts an admin scans first (card FactSet, email lines): cluster, session, engineer, level, time, when present. */
export function keyFacts(event: NotificationEvent): { title: string; value: string }[] {
  const d = event.data;
  const facts: { title: string; value: string }[] = [{ title: 'Cluster', value: event.cluster }];
  const add = (title: string, ...keys: string[]) => {
    const value = first(d, ...keys);
    if (value !== null) facts.push({ title, value });
  };
  add('Session', 'sessionId', ...(event.type.startsWith('session.') ? ['id'] : []));
  add('Engineer', 'engineer', 'requestedBy', 'engineerName');
  add('Level', 'accessLevel', 'level');
  add('Support case', 'supportCase', 'supportCaseNumber');
  facts.push({ title: 'Time (UTC)', value: event.at });
  return facts;
}
