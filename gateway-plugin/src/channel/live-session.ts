import { ActorLike, actorOf, describeActor } from '../domain/actor';
import { ClusterTarget } from '../cluster/cluster-target';
import { Clock, Disposable } from '../domain/clock';
import { createError, isRemoteSupportError, RemoteSupportError } from '../domain/errors';
import { SessionEndReason } from '../domain/transcript';
import { printableLine } from '../domain/printable';
import { isExecutorError } from '../executors/executor-error';
import { fanOut, NodeOutcome as FanOutOutcome } from '../executors/fan-out';
import { NodeExecutor } from '../executors/node-executor';
import { CheckResult } from '../policy/command-checker';
import { commandsForLevel } from '../policy/command-table';
import { AccessLevel } from '../domain/access-level';
import type { DenyListStore, GrantStore, SessionRecord, SessionStore, TranscriptSink } from '../ports/store-ports';
import { CheckedCommand } from '../policy/command-table';
import { Denial, findDenial } from '../policy/deny-list';
import { Grant } from '../domain/grant';
import { ClientMessage, CLOSE_CODES, ServerMessage } from './protocol';
import { ApprovalOutcome, RepairApprovals } from './repair-approvals';

/** The socket side of a session: how it talks to the engineer. */
export interface SessionSocket {
  send(message: ServerMessage): void;
  /** Closes the socket; a promise resolves once it is closed (a revoke returns only then). */
  close(code: number, reason: string): void | Promise<void>;
}

export interface LiveSessionDeps {
  cluster: ClusterTarget;
  clock: Clock;
  consent: GrantStore;
  sessions: SessionStore;
  writer: TranscriptSink;
  executor: NodeExecutor;
  check: (line: string, level: AccessLevel) => CheckResult;
  idleTimeoutMs: number;
  commandTimeoutMs: number;
  limits: SessionLimits;
  /** The customer's deny list: checked before a command runs, and before a repair asks for approval. */
  denyList: DenyListStore;
  /** The repairs waiting for the admin's live yes (shared by the cluster's sessions). */
  approvals: RepairApprovals;
}

/** What one engineer, one grant and one session may take of the gateway. */
export interface SessionLimits {
  /** Live sessions one engineer may hold at once. */
  maxSessionsPerEngineer: number;
  /** Live sessions one grant may carry at once. */
  maxSessionsPerGrant: number;
  /** Refused lines recorded in full per session; later ones are counted and summarised. */
  maxRefusedLinesPerSession: number;
  /** The data disk now: `full` refuses new sessions. */
  diskSpace: () => 'ok' | 'low' | 'full';
}

/** The sessions live now, for the limits a new one must respect. */
export interface LiveSessionRegistry {
  started(session: LiveSession): void;
  ended(session: LiveSession): void;
  live(): Iterable<LiveSession>;
}

const END_MESSAGES: Record<SessionEndReason, string> = {
  closed: 'The session was closed.',
  revoked: 'The cluster administrator revoked remote support access; the session has ended.',
  expired: 'The remote support grant expired; the session has ended.',
  'ended-by-admin': 'The cluster administrator ended this session.',
  'idle-timeout': 'The session was idle for too long and has ended.',
  interrupted: 'The gateway is shutting down; the session was interrupted.',
  'token-expired': 'Your sign-in expired; sign in again to open a new session.',
  'relay-disconnected': 'The relay cut the connection; connect again to open a new session.',
};

/**
 * One engineer's session: bound to the cluster's grant, it checks every
 * command with the policy at the grant's current level, writes the command to
 * the transcript before running it and each output before sending it, and
 * ends on close, revoke, expiry, an admin's request, idle timeout or shutdown.
 */
export class LiveSession {
  private inFlight: { id: string; abort: AbortController; done: Promise<void> } | null = null;
  private idleTimer: Disposable | undefined;
  private tokenTimer: Disposable | undefined;
  private ending: Promise<void> | null = null;
  /** Why the session is ending, once it is: a question still waiting is cancelled with it. */
  private endingReason: SessionEndReason | null = null;
  /** Refused lines so far, and those past the limit that were counted but not recorded in full. */
  private refused = 0;
  private unrecordedRefusals = 0;

  private constructor(
    readonly record: SessionRecord,
    private readonly deps: LiveSessionDeps,
    private readonly socket: SessionSocket,
    private readonly onEnded: (session: LiveSession) => void,
    /** When the engineer's token expires (epoch ms, the token's `exp`), on the gateway's clock. */
    private readonly tokenExpiresAt: number = Number.POSITIVE_INFINITY,
  ) {}

  /** The end reason when access is gone: revoked if the session's grant was revoked, else expired. */
  private goneReason(): 'revoked' | 'expired' {
    return this.deps.consent.byId(this.record.grantId)?.endReason === 'revoked' ? 'revoked' : 'expired';
  }

  /**
   * Opens a session for an `open` message: needs an active grant whose case
   * (if it names one) is the engineer's, and nodes of the cluster. The
   * session ends (`token-expired`) when the gateway's clock passes
   * `tokenExpiresAt`, the `exp` of the token the engineer connected with:
   * access never outlives the engineer's sign-in.
   */
  static async open(
    engineerActor: ActorLike,
    message: Extract<ClientMessage, { type: 'open' }>,
    deps: LiveSessionDeps,
    socket: SessionSocket,
    registry: LiveSessionRegistry,
    tokenExpiresAt: number = Number.POSITIVE_INFINITY,
  ): Promise<LiveSession> {
    const { name: engineer, id: engineerId } = actorOf(engineerActor);
    const cluster = deps.cluster.name;
    const grant = deps.consent.active(cluster);
    if (!grant) throw createError('NoActiveGrant', `No remote support access is granted on ${cluster} now; ask the cluster administrator to grant it`);
    if (grant.supportCaseNumber !== null && grant.supportCaseNumber !== message.supportCase) {
      throw new RemoteSupportError('SupportCaseMismatch', `The grant on ${cluster} is for support case ${grant.supportCaseNumber}, not ${message.supportCase}`, 'supportCase', grant.supportCaseNumber);
    }
    const all = deps.cluster.nodes().map((n) => n.name);
    const nodes = message.nodes ?? all;
    const unknown = nodes.filter((n) => !all.includes(n));
    if (unknown.length) {
      throw new RemoteSupportError('InvalidNodeSelection', `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a node' : 'are not nodes'} of ${cluster}; the nodes are ${all.join(', ')}`, 'nodes', all.join(', '));
    }
    // Checked and registered with no await in between, so two opens racing cannot both pass a limit.
    checkLimits(engineer, grant.id, deps.limits, registry.live());
    const record = deps.sessions.open({ cluster, grantId: grant.id, engineer, engineerId, supportCase: message.supportCase, accessLevel: grant.accessLevel, nodes });
    const session = new LiveSession(record, deps, socket, registry.ended, tokenExpiresAt);
    registry.started(session);
    session.watchToken();
    await deps.writer.write(
      record.id,
      'system',
      null,
      `Session opened by ${describeActor({ name: engineer, id: engineerId })} for support case ${message.supportCase} at level ${grant.accessLevel} on ${nodes.join(', ')}; access expires ${new Date(grant.expiresAt).toISOString()}`,
    );
    // A revoke or expiry may have come while the opening was being recorded.
    if (session.ended || deps.consent.active(cluster)?.id !== grant.id) {
      await session.end(session.goneReason());
      throw createError('NoActiveGrant', `Remote support access on ${cluster} ended while the session was opening`);
    }
    session.touch();
    socket.send({
      type: 'opened',
      sessionId: record.id,
      cluster,
      accessLevel: grant.accessLevel,
      expiresAt: new Date(grant.expiresAt).toISOString(),
      secondsLeft: session.secondsLeft(grant.expiresAt),
      nodes,
      commands: commandNames(grant.accessLevel),
      idleTimeoutSeconds: Math.round(deps.idleTimeoutMs / 1000),
    });
    return session;
  }

  get id(): string {
    return this.record.id;
  }

  get grantId(): string {
    return this.record.grantId;
  }

  get ended(): boolean {
    return this.ending !== null;
  }

  /** Handles one message after `open`. */
  async handle(message: ClientMessage): Promise<void> {
    if (this.ending) return;
    if (this.tokenExpired()) {
      // The timer may not have run yet; nothing more runs on an expired token.
      await this.end('token-expired');
      return;
    }
    this.touch();
    if (message.type === 'close') {
      await this.end('closed');
      return;
    }
    if (message.type === 'open') {
      this.socket.send({ type: 'error', code: 'InvalidChannelMessage', message: 'The session is already open' });
      return;
    }
    if (this.inFlight) {
      this.socket.send({ type: 'error', id: message.id, code: 'SessionBusy', message: `Command ${this.inFlight.id} is still running; send the next one when it is done` });
      return;
    }
    // The command runs on while later messages arrive: a second command is
    // refused as busy, and close or revoke can cancel this one.
    const abort = new AbortController();
    const done = this.run(message, abort.signal)
      .catch((e) => this.fail(message.id, e))
      .finally(() => {
        this.inFlight = null;
        this.touch();
      });
    this.inFlight = { id: message.id, abort, done };
  }

  /** Resolves when the command in flight, if any, has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.inFlight?.done;
  }

  /**
   * Ends the session: cancels a command in flight (recorded as cancelled),
   * records why it ended, tells the engineer and closes the socket. Resolves
   * once all of that is durable; calling it again returns the same promise.
   */
  end(reason: SessionEndReason, by?: ActorLike): Promise<void> {
    if (!this.ending) this.ending = this.finish(reason, by);
    return this.ending;
  }

  private async finish(reason: SessionEndReason, by?: ActorLike): Promise<void> {
    this.endingReason = reason;
    this.idleTimer?.dispose();
    this.tokenTimer?.dispose();
    const running = this.inFlight;
    if (running) {
      running.abort.abort();
      await running.done;
    }
    const message = END_MESSAGES[reason];
    try {
      await this.recordUnrecordedRefusals();
    } catch {
      // As below: the session must still end.
    }
    try {
      // The last entry and the session's end commit together (with the other sessions a revoke ends at once).
      await this.deps.writer.write(this.id, 'system', null, `Session ended: ${reason}${by ? ` by ${describeActor(actorOf(by))}` : ''}. ${message}`, { reason, by });
    } catch {
      // The session row may already be gone (retention purge); ending it must still complete.
    }
    // Already recorded with the entry above; this records it when that write failed, and is a no-op otherwise.
    this.deps.sessions.end(this.id, reason, by);
    let closed: void | Promise<void> = undefined;
    try {
      this.socket.send({ type: 'ended', reason, message });
      closed = this.socket.close(CLOSE_CODES[reason], reason);
    } catch {
      // The engineer's socket is already gone.
    }
    this.onEnded(this);
    await closed;
  }

  private async run(message: Extract<ClientMessage, { type: 'run' }>, signal: AbortSignal): Promise<void> {
    const { id } = message;
    const cluster = this.deps.cluster.name;
    // The level is read for every command, so a new grant with a lower level applies at once.
    const grant = this.deps.consent.active(cluster);
    if (!grant) {
      const reason = this.goneReason();
      await this.deps.writer.write(this.id, 'denied', null, `${printableLine(message.line)}\n-> denied (no-active-grant): access was ${reason}`);
      this.socket.send({ type: 'denied', id, reason: 'no-active-grant', message: `Remote support access was ${reason}; the session ends`, accessLevel: this.record.accessLevel, secondsLeft: 0 });
      this.endSoon(reason);
      return;
    }
    if (grant.id !== this.record.grantId) {
      // A new grant superseded the one the session started under. The session goes on under it only for the same case.
      if (grant.supportCaseNumber !== null && grant.supportCaseNumber !== this.record.supportCase) {
        await this.deps.writer.write(this.id, 'denied', null, `${printableLine(message.line)}\n-> denied (support-case-changed): the new grant is for support case ${grant.supportCaseNumber}`);
        this.socket.send({ type: 'denied', id, reason: 'support-case-changed', message: `The new grant is for support case ${grant.supportCaseNumber}, not ${this.record.supportCase}; the session ends`, accessLevel: grant.accessLevel, secondsLeft: 0 });
        this.endSoon('revoked');
        return;
      }
      const from = this.record.accessLevel;
      if (!this.deps.sessions.rebind(this.id, grant.id, grant.accessLevel)) {
        this.endSoon(this.goneReason());
        return;
      }
      Object.assign(this.record, { grantId: grant.id, accessLevel: grant.accessLevel });
      await this.deps.writer.write(this.id, 'system', null, `A new grant replaced the previous one: access level ${from} -> ${grant.accessLevel}, expires ${new Date(grant.expiresAt).toISOString()}`);
    }
    const check = this.deps.check(message.line, grant.accessLevel);
    const nodes = message.nodes ?? this.record.nodes;
    const outside = nodes.filter((n) => !this.record.nodes.includes(n));
    const deny = async (reason: string, text: string) => {
      await this.recordRefusal(`${printableLine(message.line)}\n-> denied (${reason}): ${text}`);
      this.socket.send({ type: 'denied', id, reason, message: text, accessLevel: grant.accessLevel, secondsLeft: this.secondsLeft(grant.expiresAt) });
    };
    if (!check.allowed) return deny(check.reason, check.message);
    if (outside.length) {
      return deny('node-not-in-session', `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in this session; its nodes are ${this.record.nodes.join(', ')}`);
    }
    const command = check.command;
    if (command.level === 'DiagnosticsRepair' && nodes.length !== 1) {
      // A repair changes a node; one line must never change every node of the cluster at once.
      return deny('repair-needs-one-node', `${command.cmdlet} changes the node it runs on, so it runs on one node at a time; choose one of ${nodes.join(', ')}`);
    }
    // The customer's deny list refuses before anything runs or asks, at any level.
    const denial = await this.denialOf(command, nodes, signal);
    if (signal.aborted) return;
    if (denial) return deny('deny-list', denyText(denial));
    let runLevel = grant.accessLevel;
    let expiresAt = grant.expiresAt;
    if (command.level === 'DiagnosticsRepair' && grant.repairApproval) {
      const approved = await this.askApproval(message, command, nodes[0]!, grant, signal);
      if (!approved) return;
      // The grant may have changed while the admin was asked; the command runs only under one that still allows it.
      const now = this.deps.consent.active(cluster);
      if (!now || !commandsForLevel(now.accessLevel).some((c) => c.name === command.cmdlet)) {
        return deny(now ? 'level-too-low' : 'no-active-grant', now ? `The access level is now ${now.accessLevel}, which does not allow ${command.cmdlet}` : 'Remote support access ended while the repair waited for approval');
      }
      runLevel = now.accessLevel;
      expiresAt = now.expiresAt;
      // A rule the customer added while the question waited still wins over the approval.
      const late = await this.denialOf(command, nodes, signal);
      if (signal.aborted) return;
      if (late) return deny('deny-list', denyText(late));
    }
    // Write-ahead: the command is on record before any node sees it.
    await this.deps.writer.write(this.id, 'command', nodes.join(','), `${message.line}\n-> ${JSON.stringify({ cmdlet: command.cmdlet, parameters: command.parameters })}`);
    this.socket.send({ type: 'accepted', id, command: { cmdlet: command.cmdlet, parameters: { ...command.parameters } }, nodes });

    // Each node's outcome is recorded, then sent, as soon as that node settles.
    const recorded: Promise<void>[] = [];
    await fanOut(this.deps.executor, nodes, command, {
      level: runLevel,
      timeoutMs: this.deps.commandTimeoutMs,
      clock: this.deps.clock,
      signal,
      onNodeSettled: (outcome) => recorded.push(this.recordOutcome(id, outcome, signal)),
    });
    await Promise.all(recorded);
    if (!signal.aborted) this.socket.send({ type: 'done', id, accessLevel: runLevel, secondsLeft: this.secondsLeft(expiresAt) });
  }

  /**
   * The deny list's rule that refuses the command on one of its nodes, or
   * null. A list changed without the record key refuses everything (a deny
   * list fails closed). A rule about the roles a node owns asks the node with
   * Get-ClusterGroup, as structured data like any command.
   */
  private async denialOf(command: CheckedCommand, nodes: readonly string[], signal: AbortSignal): Promise<Denial | null> {
    const list = this.deps.denyList.get(this.record.cluster);
    if (!list.intact) {
      return { rule: { cmdlet: command.cmdlet, reason: 'The deny list was changed without the record key; every command is refused until the cluster administrator saves it again' }, node: nodes[0]! };
    }
    if (list.rules.length === 0) return null;
    return findDenial(list.rules, command, nodes, async (node) => {
      const groups = await this.deps.executor.run(node, { cmdlet: 'Get-ClusterGroup', parameters: {}, level: 'Diagnostics' }, { level: 'Diagnostics', timeoutMs: this.deps.commandTimeoutMs, signal });
      return groups.objects.filter((g) => typeof g['OwnerNode'] === 'string' && g['OwnerNode'].toLowerCase() === node.toLowerCase()).map((g) => String(g['Name']));
    });
  }

  /**
   * Asks the admin before a repair runs, and waits: records the question,
   * publishes it (repair.pending), tells the engineer, then records the
   * answer (or the time-out, or the cancel when the session ends). Resolves
   * true when approved; otherwise the engineer has been told it is denied.
   */
  private async askApproval(message: Extract<ClientMessage, { type: 'run' }>, command: CheckedCommand, node: string, grant: Grant, signal: AbortSignal): Promise<boolean> {
    const { id } = message;
    const structured = JSON.stringify({ cmdlet: command.cmdlet, parameters: command.parameters });
    const engineer = { name: this.record.engineer, id: this.record.engineerId };
    const reason = message.reason === undefined ? null : message.reason;
    const denyFor = (why: string, text: string) =>
      this.socket.send({ type: 'denied', id, reason: why, message: text, accessLevel: grant.accessLevel, secondsLeft: this.secondsLeft(grant.expiresAt) });
    const record = async (outcome: ApprovalOutcome, approvalId: string) => {
      const at = new Date(this.deps.clock.now()).toISOString();
      switch (outcome.kind) {
        case 'approved':
          await this.deps.writer.write(this.id, 'system', node, `Repair approval ${approvalId} approved by ${describeActor(outcome.by)} at ${at}${outcome.reason ? `: ${printableLine(outcome.reason)}` : ''}`);
          return;
        case 'refused':
          await this.deps.writer.write(this.id, 'denied', node, `${printableLine(message.line)}\n-> denied (repair-refused): repair approval ${approvalId} refused by ${describeActor(outcome.by)} at ${at}${outcome.reason ? `: ${printableLine(outcome.reason)}` : ''}`);
          return;
        case 'timed-out':
          await this.deps.writer.write(this.id, 'denied', node, `${printableLine(message.line)}\n-> denied (repair-approval-timed-out): repair approval ${approvalId} had no answer by ${at}`);
          return;
        case 'cancelled':
          await this.deps.writer.write(this.id, 'system', node, `Repair approval ${approvalId} cancelled at ${at}: ${outcome.why}`);
      }
    };
    // The question is on record before anyone can answer it.
    const asked = await this.deps.approvals.ask(
      { cluster: this.record.cluster, sessionId: this.id, engineer, node, cmdlet: command.cmdlet, parameters: command.parameters, reason },
      (outcome, approval) => record(outcome, approval.id),
      async (approval) => {
        await this.deps.writer.write(
          this.id,
          'system',
          node,
          `Repair approval ${approval.id} asked of the cluster administrator: ${printableLine(message.line)}\n-> ${structured} on ${node} by ${describeActor(engineer)}; reason: ${reason === null ? '(none given)' : printableLine(reason)}; answer due by ${new Date(approval.expiresAt).toISOString()}`,
        );
      },
    );
    const approval = asked.approval;
    this.socket.send({
      type: 'approval-pending',
      id,
      approvalId: approval.id,
      node,
      command: { cmdlet: command.cmdlet, parameters: { ...command.parameters } },
      expiresAt: new Date(approval.expiresAt).toISOString(),
      secondsToAnswer: Math.max(0, Math.round((approval.expiresAt - this.deps.clock.now()) / 1000)),
      message: `${command.cmdlet} on ${node} waits for the cluster administrator's approval (until ${new Date(approval.expiresAt).toISOString()})`,
    });
    const onAbort = () => {
      void this.deps.approvals.cancel(approval.id, `the session ended (${this.endingReason ?? 'closed'})`).catch(() => {
        // The store is closing; the session's end is recorded by the restart.
      });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const outcome = await asked.outcome;
    signal.removeEventListener('abort', onAbort);
    switch (outcome.kind) {
      case 'approved':
        return !signal.aborted;
      case 'refused':
        denyFor('repair-refused', `The cluster administrator ${outcome.by.name} refused ${command.cmdlet} on ${node}${outcome.reason ? `: ${outcome.reason}` : ''}`);
        return false;
      case 'timed-out':
        denyFor('repair-approval-timed-out', `No answer from the cluster administrator within ${Math.round((approval.expiresAt - approval.askedAt) / 1000)} s; ${command.cmdlet} did not run`);
        return false;
      default:
        return false;
    }
  }

  private async recordOutcome(id: string, outcome: FanOutOutcome, signal: AbortSignal): Promise<void> {
    const { node } = outcome;
    if (outcome.ok) {
      await this.deps.writer.write(this.id, 'output', node, outcome.result.text);
      if (!signal.aborted) this.socket.send({ type: 'output', id, node, ok: true, text: outcome.result.text, objects: outcome.result.objects, errors: outcome.result.errors });
      return;
    }
    const err = outcome.error;
    if (err.code === 'Cancelled' || signal.aborted) {
      await this.deps.writer.write(this.id, 'system', node, `Command ${id} cancelled on ${node}: the session is ending`);
      return;
    }
    await this.deps.writer.write(this.id, 'error', node, `${err.code}: ${err.message}`);
    this.socket.send({ type: 'output', id, node, ok: false, error: { code: err.code, message: err.message } });
  }

  /**
   * Records a refused line (as text a person can read safely: it may hold
   * anything) while the session is under its limit; past it, counts the
   * line, to be summarised in one entry when the session ends. The first
   * line over the limit is noted, so the transcript says lines are missing.
   */
  private async recordRefusal(text: string): Promise<void> {
    this.refused++;
    const max = this.deps.limits.maxRefusedLinesPerSession;
    if (this.refused <= max) {
      await this.deps.writer.write(this.id, 'denied', null, text);
      return;
    }
    this.unrecordedRefusals++;
    if (this.unrecordedRefusals === 1) {
      await this.deps.writer.write(this.id, 'system', null, `Refused-line limit reached: ${max} refused lines are recorded in full per session; further ones are counted and summarised when the session ends`);
    }
  }

  private async recordUnrecordedRefusals(): Promise<void> {
    const n = this.unrecordedRefusals;
    if (n === 0) return;
    this.unrecordedRefusals = 0;
    await this.deps.writer.write(this.id, 'system', null, `${n} more refused line${n === 1 ? '' : 's'} not recorded in full (limit ${this.deps.limits.maxRefusedLinesPerSession} per session)`);
  }

  /** Ends the session once the command that found access gone has finished (ending waits for it). */
  private endSoon(reason: SessionEndReason): void {
    setImmediate(() => {
      this.end(reason).catch(() => {
        // The store is closing; the restart marks the session interrupted.
      });
    });
  }

  private async fail(id: string, e: unknown): Promise<void> {
    const code = isRemoteSupportError(e) ? e.code : isExecutorError(e) ? e.code : 'Internal';
    const message = e instanceof Error ? e.message : String(e);
    try {
      await this.deps.writer.write(this.id, 'error', null, `Command ${id} failed in the gateway: ${code}: ${message}`);
    } catch {
      // Recording failed too; the engineer still hears about it below.
    }
    this.socket.send({ type: 'error', id, code, message: code === 'Internal' ? 'The gateway failed to run the command; it is recorded in its log' : message });
  }

  private tokenExpired(): boolean {
    return this.deps.clock.now() >= this.tokenExpiresAt;
  }

  /** Ends the session when the engineer's token expires; a command in flight is cancelled and recorded so. */
  private watchToken(): void {
    if (!Number.isFinite(this.tokenExpiresAt)) return;
    this.tokenTimer = this.deps.clock.setTimer(this.tokenExpiresAt, () => {
      this.end('token-expired').catch(() => {
        // The store is closing; the restart marks the session interrupted.
      });
    });
  }

  private touch(): void {
    if (this.ending) return;
    this.idleTimer?.dispose();
    this.idleTimer = this.deps.clock.setTimer(this.deps.clock.now() + this.deps.idleTimeoutMs, () => {
      if (!this.inFlight) void this.end('idle-timeout');
      else this.touch();
    });
  }

  private secondsLeft(expiresAt: number): number {
    return Math.max(0, Math.floor((expiresAt - this.deps.clock.now()) / 1000));
  }
}

/** What the engineer and the transcript read for a deny-list refusal. */
function denyText(d: Denial): string {
  const where = d.unknownRoles !== undefined ? ` (the cluster could not tell which roles ${d.node} owns: ${d.unknownRoles})` : ` on ${d.node}`;
  return `The customer's deny list refuses ${d.rule.cmdlet}${where}: ${d.rule.reason}`;
}

/** Refuses a new session that would pass a limit: SessionLimitReached, or DiskSpaceLow below the disk floor. */
function checkLimits(engineer: string, grantId: string, limits: SessionLimits, live: Iterable<LiveSession>): void {
  let ofEngineer = 0;
  let ofGrant = 0;
  for (const s of live) {
    if (s.ended) continue;
    if (s.record.engineer === engineer) ofEngineer++;
    if (s.grantId === grantId) ofGrant++;
  }
  if (ofEngineer >= limits.maxSessionsPerEngineer) {
    throw createError('SessionLimitReached', `${engineer} already has ${ofEngineer} live session${ofEngineer === 1 ? '' : 's'}, the most one engineer may hold (${limits.maxSessionsPerEngineer}); close one first`);
  }
  if (ofGrant >= limits.maxSessionsPerGrant) {
    throw createError('SessionLimitReached', `The grant already carries ${ofGrant} live sessions, the most one grant may (${limits.maxSessionsPerGrant}); close one first`);
  }
  if (limits.diskSpace() === 'full') {
    throw createError('DiskSpaceLow', 'The gateway\'s data disk is almost full, so no new session opens until the administrator frees space; running sessions go on');
  }
}

function commandNames(level: AccessLevel): string[] {
  return commandsForLevel(level).map((c) => c.name);
}
