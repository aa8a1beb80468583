import { ClusterTarget, PrerequisiteCheck } from '../cluster/cluster-target';
import { AccessLevel, ACCESS_LEVELS } from '../domain/access-level';
import { ActorLike } from '../domain/actor';
import { Clock } from '../domain/clock';
import { createError, RemoteSupportError } from '../domain/errors';
import { parseIsoDate } from '../domain/dates';
import { GrantRequestFields, parseGrantRequest } from '../domain/grant';
import { decodeCursor, LIST_PAGE, PageKey } from '../domain/list-page';
import { defaultHistoryFrom } from '../domain/retention';
import { TERMS_TEXT, TERMS_VERSION } from '../domain/terms';
import { TRANSCRIPT_PAGE, ChainCheck } from '../domain/transcript';
import { AgentDeployer, AgentOperation, NodeAgent } from '../operations/agent-deployer';
import { commandsForLevel } from '../policy/command-table';
import { exportFileName } from '../domain/transcript-export';
import type { AccessRequests } from './access-requests';
import { GrantView, iso, presentEntry, presentGrant, presentRecordRead, presentSession } from '../ports/record-view';
import type { DenyListStore, GrantStore, RecordReads, RecordReadStore, RepairApprovalControl, SessionRecord, SessionStore } from '../ports/store-ports';
import type { RepairApproval, RepairDecision } from '../domain/repair-approval';
import type { DenyList } from '../domain/deny-rule';
import { parseDenyRules } from '../policy/deny-list';

export { presentEntry, presentGrant, presentSession };
export type { GrantView };


/** A repair approval as the API and the live events show it: times in ISO 8601. */
export function presentApproval(a: RepairApproval) {
  return {
    id: a.id,
    sessionId: a.sessionId,
    engineer: { name: a.engineer.name, id: a.engineer.id },
    node: a.node,
    cmdlet: a.cmdlet,
    parameters: { ...a.parameters },
    reason: a.reason,
    askedAt: iso(a.askedAt),
    expiresAt: iso(a.expiresAt),
    state: a.state,
    decidedAt: a.decidedAt === null ? null : iso(a.decidedAt),
    decidedBy: a.decidedBy === null ? null : { name: a.decidedBy.name, id: a.decidedBy.id },
    decisionReason: a.decisionReason,
  };
}

/** How many of a deny list's changes GET deny-list shows. */
const DENY_LIST_CHANGES_SHOWN = 20;

export function presentRelay(r: RelayStatusView) {
  return { ...r, since: iso(r.since), nextRetryAt: r.nextRetryAt === null ? null : iso(r.nextRetryAt), connectedAt: r.connectedAt === null ? null : iso(r.connectedAt) };
}

/** What the desk needs from the support channel: ending live sessions. */
/** The data disk as status shows it. */
export interface DataDiskStatus {
  state: 'ok' | 'low' | 'full';
  freeBytes: number | null;
}

/** The relay listener as status shows it (times as epoch ms; status() turns them into ISO 8601). */
export interface RelayStatusView {
  state: 'connecting' | 'connected' | 'reconnecting' | 'closed';
  address: string | null;
  since: number;
  error: string | null;
  attempts: number;
  nextRetryAt: number | null;
  connectedAt: number | null;
}

export interface LiveSessionControl {
  endSessionsOfCluster(cluster: string, reason: 'revoked' | 'expired', by?: ActorLike): Promise<number>;
  endSession(sessionId: string, reason: 'ended-by-admin', by?: ActorLike): Promise<boolean>;
}

/** The open access requests the status carries (the request list has them all). */
const STATUS_OPEN_REQUESTS = 50;

/**
 * Remote support for one cluster: the operations behind the admin API and the
 * CLI. The API's contract has checked the shape of every input; the desk
 * applies the domain rules and changes nothing when an input is refused.
 */
export class RemoteSupportDesk {
  constructor(
    readonly cluster: ClusterTarget,
    private readonly clock: Clock,
    private readonly consent: GrantStore,
    private readonly sessions: SessionStore,
    private readonly agents: AgentDeployer,
    /** Search, verify and export: off the event loop, each within its time budget. */
    private readonly reads: RecordReads,
    /** Who read the record: every transcript viewed, exported or verified, and every search. */
    private readonly audit: RecordReadStore,
  ) {}

  private live: LiveSessionControl | null = null;
  private accessRequests: AccessRequests | null = null;
  private dataDisk: (() => DataDiskStatus) | null = null;
  private relay: (() => RelayStatusView) | null | undefined = undefined;
  private relayCheck: (() => Promise<PrerequisiteCheck>) | null = null;
  private approvals: RepairApprovalControl | null = null;
  private denyLists: DenyListStore | null = null;
  private denyListChanged: ((list: DenyList) => void) | null = null;

  get name(): string {
    return this.cluster.name;
  }

  /** Connects the support channel, so revoke and "end session" reach live sessions. */
  attachLiveSessions(live: LiveSessionControl): void {
    this.live = live;
  }

  /** Access requests on this cluster (engineers ask, admins answer). */
  get requests(): AccessRequests {
    if (!this.accessRequests) throw createError('Internal', 'Access requests are not connected');
    return this.accessRequests;
  }

  /** Connects the access requests. */
  attachRequests(requests: AccessRequests): void {
    this.accessRequests = requests;
  }

  /** Connects the repairs waiting for approval (the support channel's), for GET and POST approvals. */
  attachApprovals(approvals: RepairApprovalControl): void {
    this.approvals = approvals;
  }

  /** Connects the deny list store; `changed` hears of every saved change (the live event). */
  attachDenyList(store: DenyListStore, changed?: (list: DenyList) => void): void {
    this.denyLists = store;
    this.denyListChanged = changed ?? null;
  }

  /** The repairs waiting for the admin's answer, oldest first. */
  pendingApprovals() {
    return { approvals: (this.approvals?.pending(this.name) ?? []).map(presentApproval) };
  }

  /** Approves or refuses a waiting repair as `by`; answers once the answer is in the session's transcript. */
  async decideApproval(id: string, body: { decision: RepairDecision; reason?: string }, by: ActorLike) {
    if (!this.approvals) throw createError('ApprovalNotFound', `No repair approval ${id} is waiting on ${this.name}`);
    const approval = await this.approvals.decide(this.name, id, body.decision, body.reason ?? null, by);
    return { approval: presentApproval(approval) };
  }

  /** The deny list, with its last changes. */
  denyList() {
    const store = this.requireDenyLists();
    return this.presentDenyList(store.get(this.name));
  }

  /** Replaces the deny list after checking every rule (nothing changes when one is refused); the change is recorded with who and when. */
  putDenyList(body: { rules: unknown[]; expectedVersion?: number }, by: ActorLike) {
    const store = this.requireDenyLists();
    const rules = parseDenyRules(body.rules, this.cluster.nodes().map((n) => n.name));
    // Read and written with no await between: nobody can save in between on this gateway.
    const current = store.get(this.name);
    if (body.expectedVersion !== undefined && body.expectedVersion !== current.version) {
      const who = current.updatedBy ? ` by ${current.updatedBy}${current.updatedAt === null ? '' : ` at ${iso(current.updatedAt)}`}` : '';
      throw new RemoteSupportError('DenyListChanged', `The deny list was saved${who} after you read it: it is at version ${current.version}, not ${body.expectedVersion}. Nothing was saved; read it again (GET deny-list) and make your change on the list in force`, 'expectedVersion', String(current.version));
    }
    const saved = store.put(this.name, rules, by);
    this.denyListChanged?.(saved);
    return this.presentDenyList(saved);
  }

  private requireDenyLists(): DenyListStore {
    if (!this.denyLists) throw createError('Internal', 'The deny list store is not connected');
    return this.denyLists;
  }

  private presentDenyList(list: DenyList) {
    return {
      rules: list.rules,
      version: list.version,
      updatedAt: list.updatedAt === null ? null : iso(list.updatedAt),
      updatedBy: list.updatedBy,
      updatedById: list.updatedById,
      intact: list.intact,
      changes: this.requireDenyLists().changes(this.name, DENY_LIST_CHANGES_SHOWN).map((c) => ({ ...c, at: iso(c.at) })),
    };
  }

  /** Connects the relay listener's status (null: the relay is off). */
  attachRelay(status: (() => RelayStatusView) | null): void {
    this.relay = status;
  }

  /** Connects what is told when a verify finds problems (the integrity.failed notification). */
  attachIntegrityAlarm(alarm: (facts: { sessionId: string; problem: string; problems: string[]; verifiedBy: string }) => void): void {
    this.integrityAlarm = alarm;
  }

  private integrityAlarm: ((facts: { sessionId: string; problem: string; problems: string[]; verifiedBy: string }) => void) | null = null;

  /** Connects the data disk's free-space check, so status shows a disk running low. */
  attachDataDisk(check: () => DataDiskStatus): void {
    this.dataDisk = check;
  }

  status() {
    const now = this.clock.now();
    const active = this.consent.active(this.name);
    const online = new Map(this.cluster.nodes().map((n) => [n.name, n.online]));
    return {
      cluster: this.name,
      registered: this.cluster.registered,
      now: iso(now),
      nodes: this.agents.nodes().map((a: NodeAgent) => ({
        name: a.node,
        online: online.get(a.node) ?? false,
        agent: { state: a.state, version: a.version, detail: a.detail, updatedAt: iso(a.updatedAt) },
      })),
      activeGrant: active ? presentGrant(active, now) : null,
      liveSessions: this.sessions.live(this.name).map(presentSession),
      agentOperation: this.agents.latest(),
      tamperedGrants: this.consent.verifyGrants(this.name),
      ...(this.dataDisk ? { dataDisk: this.dataDisk() } : {}),
      ...(this.relay !== undefined ? { relay: this.relay ? presentRelay(this.relay()) : null } : {}),
      // What waits for an admin, so one read of the status (the PowerShell path polls it) shows it.
      ...(this.accessRequests ? { openRequests: this.accessRequests.list({ open: true, limit: STATUS_OPEN_REQUESTS }).requests } : {}),
      ...(this.approvals ? { pendingApprovals: this.pendingApprovals().approvals } : {}),
    };
  }

  terms() {
    return { version: TERMS_VERSION, text: TERMS_TEXT };
  }

  /** Connects the gateway's own check of the relay endpoint (relay on), which joins the nodes' checks. */
  attachRelayCheck(check: () => Promise<PrerequisiteCheck>): void {
    this.relayCheck = check;
  }

  async prerequisites(): Promise<{ ready: boolean; checks: PrerequisiteCheck[] }> {
    const [nodeChecks, relay] = await Promise.all([this.cluster.prerequisites(), this.relayCheck?.()]);
    const checks = relay ? [...nodeChecks, relay] : nodeChecks;
    return { ready: checks.every((c) => c.status !== 'failed'), checks };
  }

  commands(query: { accessLevel?: AccessLevel }) {
    const levels: AccessLevel[] = query.accessLevel === undefined ? [...ACCESS_LEVELS] : [query.accessLevel];
    return { levels: levels.map((l) => ({ accessLevel: l, commands: commandsForLevel(l) })) };
  }

  /** The JEA files the agent install puts on every node, for review before installing. */
  jeaFiles() {
    return { files: this.agents.packageFiles };
  }

  startAgentOperation(kind: 'install' | 'remove', body: { nodes?: string[] } | undefined, by: ActorLike): { operation: AgentOperation; done: Promise<AgentOperation> } {
    const nodes = body?.nodes ?? [];
    if (kind === 'remove' && this.consent.active(this.name)) {
      throw createError('ActiveGrantBlocksRemoval', 'Revoke the active grant before removing the agent');
    }
    return this.agents.start(kind, nodes, by);
  }

  operation(id: string): AgentOperation {
    const op = this.agents.operation(id);
    if (!op || op.cluster !== this.name) throw createError('OperationNotFound', `No agent operation ${id} exists on ${this.name}`);
    return op;
  }

  /** Enable: grants access, superseding any active grant. */
  grant(body: GrantRequestFields, by: ActorLike) {
    const request = parseGrantRequest(body, this.cluster.registered, this.clock.now());
    const missing = this.agents.nodes().filter((n) => n.state !== 'Installed').map((n) => n.node);
    if (missing.length) {
      throw new RemoteSupportError(
        'AgentNotInstalled',
        `Install the remote support agent first; it is not installed on ${missing.join(', ')}`,
      );
    }
    const { grant, superseded } = this.consent.grant(this.name, request, by);
    const now = this.clock.now();
    return { grant: presentGrant(grant, now), superseded: superseded ? presentGrant(superseded, now) : null };
  }

  /**
   * Disable: revokes the active grant and ends every live session on the
   * cluster (cancelling a command in flight) before returning; returns the
   * revoked grant, or null when none was active.
   */
  async revoke(by: ActorLike) {
    const revoked = this.consent.revoke(this.name, by);
    let sessionsEnded = 0;
    // With no grant active now, no session may stay: a revoke racing this one, or an expiry it noticed
    // first, still returns only once every live session is ended.
    if (!this.consent.active(this.name)) {
      if (this.live) sessionsEnded = await this.live.endSessionsOfCluster(this.name, 'revoked', by);
      // Sessions recorded as open but not live here (none, unless something went wrong) end too.
      if (revoked) sessionsEnded += this.sessions.endForGrant(revoked.id, 'revoked', by).length;
    }
    return { revoked: revoked ? presentGrant(revoked, this.clock.now()) : null, sessionsEnded };
  }

  /** Ends one live session at an admin's request. */
  async endSession(id: string, by: ActorLike) {
    const session = this.sessions.get(this.name, id);
    if (!session) throw createError('SessionNotFound', `No session ${id} exists on ${this.name} within the last 90 days`);
    if (session.endedAt !== null) throw createError('SessionNotLive', `Session ${id} already ended (${session.endReason})`);
    const ended = this.live ? await this.live.endSession(id, 'ended-by-admin', by) : false;
    if (!ended) this.sessions.end(id, 'ended-by-admin', by);
    return { session: presentSession(this.sessions.get(this.name, id)!) };
  }

  access(query: { includeExpired?: boolean; limit?: number; cursor?: string }) {
    const includeExpired = query.includeExpired ?? false;
    const now = this.clock.now();
    const page = this.consent.list(this.name, includeExpired, pageOf(query));
    return { grants: page.items.map((g) => presentGrant(g, now)), nextCursor: page.nextCursor, total: page.total };
  }

  /** A page of the session history, newest first, read off the event loop. */
  async history(query: { fromDate?: string; limit?: number; cursor?: string }) {
    const now = this.clock.now();
    const from = parseIsoDate(query.fromDate) ?? defaultHistoryFrom(now);
    const page = await this.reads.history({ cluster: this.name, from, ...pageOf(query), now });
    return { fromDate: iso(from), sessions: page.items.map(presentSession), nextCursor: page.nextCursor, total: page.total };
  }

  /** One session, with a page of its transcript on request; opening the transcript (its first page) is recorded as a read by `by`. */
  session(id: string, query: { includeTranscript?: boolean; offset?: number; limit?: number }, by: ActorLike = 'system') {
    const includeTranscript = query.includeTranscript ?? false;
    const offset = query.offset ?? 0;
    const limit = query.limit ?? TRANSCRIPT_PAGE.default;
    const session = this.sessions.get(this.name, id);
    if (!session) throw createError('SessionNotFound', `No session ${id} exists on ${this.name} within the last 90 days`);
    if (!includeTranscript) return { session: presentSession(session) };
    // Later pages are the same reading (the viewer following, or scrolling): only the opening is recorded.
    if (offset === 0) this.audit.record({ cluster: this.name, action: 'viewed', by, sessionId: id, detail: null });
    const page = this.sessions.transcript(id, offset, limit);
    return { session: presentSession(session), transcript: { offset, limit, total: page.total, entries: page.entries.map(presentEntry) } };
  }

  /**
   * Searches transcript text across the cluster's sessions (within retention),
   * newest first, a page at a time: `cursor` is the nextCursor of the page
   * before.
   */
  async search(query: { q: string; fromDate?: string; limit?: number; cursor?: string }, by: ActorLike = 'system') {
    const q = query.q;
    // A search's later pages are the same search: only the first is recorded, with its words.
    if (query.cursor === undefined) this.audit.record({ cluster: this.name, action: 'searched', by, sessionId: null, detail: q });
    const from = parseIsoDate(query.fromDate) ?? 0;
    const limit = query.limit ?? 100;
    const before = query.cursor === undefined ? null : Number(query.cursor);
    const page = await this.reads.search({ cluster: this.name, query: q, from, limit, before, now: this.clock.now() });
    return {
      query: q,
      hits: page.hits.map((h) => ({ ...h, at: iso(h.at) })),
      nextCursor: page.nextBefore === null ? null : String(page.nextBefore),
    };
  }

  /**
   * The whole transcript of a session with its integrity check, as the file a
   * download saves (the export document's JSON, or its text form). A read
   * worker reads, verifies and writes the whole body: the event loop only sends it.
   */
  async exportFile(id: string, format: 'json' | 'text', by: ActorLike = 'system'): Promise<{ fileName: string; body: Buffer }> {
    this.existing(id);
    this.audit.record({ cluster: this.name, action: 'exported', by, sessionId: id, detail: format });
    const body = await this.reads.exportFile({ cluster: this.name, sessionId: id, format, now: this.clock.now() });
    return { fileName: exportFileName(id, format), body };
  }

  /**
   * Verifies a session (its chain, sealed head, fields and registration) and
   * reports, besides, what is wrong with the cluster's records around it:
   * sessions deleted, grants changed without the record key.
   */
  async verify(id: string, by: ActorLike = 'system'): Promise<ChainCheck> {
    this.existing(id);
    const check = await this.reads.verify({ cluster: this.name, sessionId: id, now: this.clock.now() });
    this.audit.record({ cluster: this.name, action: 'verified', by, sessionId: id, detail: check.valid && check.clusterProblems.length === 0 ? 'valid' : 'problems found' });
    const problems = [...new Set([...check.problems, ...check.clusterProblems])];
    if (problems.length > 0) this.integrityAlarm?.({ sessionId: id, problem: problems[0]!, problems, verifiedBy: typeof by === 'string' ? by : by.name });
    return check;
  }

  /** Who read the record, newest first, a page at a time: the cluster's reads, or one session's. */
  recordReads(query: { sessionId?: string; limit?: number; cursor?: string }) {
    const page = this.audit.list(this.name, query.sessionId ?? null, pageOf(query));
    return { reads: page.items.map(presentRecordRead), nextCursor: page.nextCursor, total: page.total };
  }

  private existing(id: string): SessionRecord {
    const session = this.sessions.get(this.name, id);
    if (!session) throw createError('SessionNotFound', `No session ${id} exists on ${this.name} within the last 90 days`);
    return session;
  }
}

/** The page a list query asks for (the contract has checked limit and cursor). */
function pageOf(query: { limit?: number; cursor?: string }): { limit: number; after: PageKey | null } {
  return { limit: query.limit ?? LIST_PAGE.default, after: query.cursor === undefined ? null : decodeCursor(query.cursor) };
}
