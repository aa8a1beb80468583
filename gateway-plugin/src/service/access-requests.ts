import { AccessLevel, ACCESS_LEVELS } from '../domain/access-level';
import { actorOf, ActorLike } from '../domain/actor';
import {
  AccessRequest, approvalProblem, extendedMinutes, OPEN_REQUEST_STATES, REQUEST_TEXT_MAX, REQUEST_TTL_MINUTES, RequestKind,
} from '../domain/access-request';
import { Clock, Disposable, MINUTE_MS, startTimeout } from '../domain/clock';
import { createError, fieldError, RemoteSupportError } from '../domain/errors';
import { EXPIRE_IN_MINUTES } from '../domain/duration';
import { parseIsoDate } from '../domain/dates';
import { decodeCursor, LIST_PAGE } from '../domain/list-page';
import { TERMS_VERSION } from '../domain/terms';
import { GrantView, presentRequest } from '../ports/record-view';
import type { GrantStore, RequestStore } from '../ports/store-ports';

/** What answering a request needs from the rest of the desk: granting exactly as Enable does. */
export interface Granting {
  /** Grants as POST access does (the agent installed, the terms agreed, the SAS checked): the grant's view. */
  grant(body: Record<string, unknown>, by: ActorLike): { grant: GrantView };
}

/** The longest an engineer's console waits on one request for an answer before asking again. */
export const MAX_WAIT_SECONDS = 60;

function text(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > REQUEST_TEXT_MAX) throw fieldError('InvalidRequestText', field, `1 to ${REQUEST_TEXT_MAX} characters`, value.length > 40 ? `${value.length} characters` : value);
  return trimmed;
}

/**
 * Access requests on one cluster: an engineer asks (access, or more time on
 * the active grant), the admin approves (never more than was asked, possibly
 * later), denies with a reason, or asks for more information; requests nobody
 * answers expire, and approvals with a later start grant at that start.
 * Expiries and starts run on the injected clock, from the records, so they
 * survive a restart.
 */
export class AccessRequests implements Disposable {
  private timer: Disposable | null = null;
  /** Scheduled approvals found changed without the record key: never granted, and no longer waited for. */
  private readonly tampered = new Set<string>();

  constructor(
    private readonly cluster: { name: string; nodes(): { name: string }[] },
    private readonly clock: Clock,
    private readonly store: RequestStore,
    private readonly consent: Pick<GrantStore, 'active'>,
    private readonly granting: Granting,
    private readonly ttlMinutes: number = REQUEST_TTL_MINUTES.default,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Expires what fell due while the gateway was down, starts what should have started, and arms the next. */
  start(): void {
    this.tick();
  }

  dispose(): void {
    this.timer?.dispose();
    this.timer = null;
  }

  /** An engineer's request (body checked by the contract: kind, case, level, minutes, nodes, reason). */
  create(body: { kind?: RequestKind; supportCaseNumber: string; accessLevel?: AccessLevel; expireInMinutes?: number; nodes?: string[]; reason: string }, engineer: ActorLike) {
    const kind = body.kind ?? 'access';
    const by = actorOf(engineer);
    const reason = text(body.reason, 'reason');
    const nodes = body.nodes ? [...new Set(body.nodes)] : null;
    const known = this.cluster.nodes().map((n) => n.name.toLowerCase());
    const unknown = (nodes ?? []).filter((n) => !known.includes(n.toLowerCase()));
    if (unknown.length) throw fieldError('InvalidNodeName', 'nodes', `nodes of ${this.cluster.name}: ${this.cluster.nodes().map((n) => n.name).join(', ')}`, unknown[0]);
    let grantId: string | null = null;
    let level = body.accessLevel;
    let minutes = body.expireInMinutes ?? EXPIRE_IN_MINUTES.default;
    if (kind === 'access' && level === undefined) throw fieldError('FieldRequired', 'accessLevel', `one of ${ACCESS_LEVELS.join(', ')}`);
    if (kind === 'access' && minutes < EXPIRE_IN_MINUTES.min) throw fieldError('InvalidExpireInMinutes', 'expireInMinutes', `an integer from ${EXPIRE_IN_MINUTES.min} to ${EXPIRE_IN_MINUTES.max} for an access request`, minutes);
    if (kind === 'extension') {
      const active = this.consent.active(this.cluster.name);
      if (!active) throw createError('NoGrantToExtend', `No access is granted on ${this.cluster.name} now, so there is nothing to extend; ask for access instead`);
      if (active.supportCaseNumber !== null && active.supportCaseNumber !== body.supportCaseNumber) {
        throw fieldError('SupportCaseMismatch', 'supportCaseNumber', `the active grant's support case, ${active.supportCaseNumber}`, body.supportCaseNumber);
      }
      level ??= active.accessLevel;
      if (ACCESS_LEVELS.indexOf(level) > ACCESS_LEVELS.indexOf(active.accessLevel)) {
        throw fieldError('InvalidAccessLevel', 'accessLevel', `at most the active grant's level, ${active.accessLevel} (ask for access to raise it)`, level);
      }
      grantId = active.id;
      minutes = body.expireInMinutes ?? 60;
    }
    const now = this.clock.now();
    const request = this.store.create({
      cluster: this.cluster.name, kind, engineer: by.name, engineerId: by.id, supportCase: body.supportCaseNumber, accessLevel: level!,
      expireInMinutes: minutes, nodes, reason, grantId, expiresAt: now + this.ttlMinutes * MINUTE_MS,
    });
    this.arm();
    return { request: presentRequest(request) };
  }

  list(query: { open?: boolean; limit?: number; cursor?: string }) {
    const page = this.store.list(this.cluster.name, query.open ?? false, { limit: query.limit ?? LIST_PAGE.default, after: query.cursor === undefined ? null : decodeCursor(query.cursor) });
    return { requests: page.items.map((i) => presentRequest(i.request, i.intact)), nextCursor: page.nextCursor, total: page.total };
  }

  get(id: string) {
    const found = this.find(id);
    return { request: presentRequest(found.request, found.intact) };
  }

  /** The engineer's own request; waits up to `waitSeconds` for it to change (the console's way to learn the answer). */
  async watch(id: string, engineer: ActorLike, waitSeconds: number, changed: (id: string, listener: () => void) => Disposable) {
    const mine = (): AccessRequest => {
      const found = this.find(id);
      const by = actorOf(engineer);
      const own = found.request.engineerId !== null ? found.request.engineerId === by.id : found.request.engineer === by.name;
      if (!own) throw createError('RequestNotFound', `No access request ${id} of yours exists on ${this.cluster.name}`);
      return found.request;
    };
    const first = mine();
    if (waitSeconds > 0 && OPEN_REQUEST_STATES.includes(first.state)) {
      await new Promise<void>((resolve) => {
        const subscription = changed(id, () => done());
        const timeout = startTimeout(this.clock, Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000, () => done());
        function done() {
          subscription.dispose();
          timeout.dispose();
          resolve();
        }
      });
    }
    return { request: presentRequest(mine()) };
  }

  /** The engineer answers the admin's question: the request waits for an answer again. */
  reply(id: string, body: { text: string }, engineer: ActorLike) {
    const request = this.find(id).request;
    const by = actorOf(engineer);
    if (request.engineerId !== null ? request.engineerId !== by.id : request.engineer !== by.name) throw createError('RequestNotFound', `No access request ${id} of yours exists on ${this.cluster.name}`);
    if (request.state !== 'info-requested') throw createError('RequestNotOpen', `Access request ${id} is ${request.state}; the administrator asked no question to answer`);
    const saved = this.store.save({ ...request, state: 'pending', messages: [...request.messages, { at: this.clock.now(), from: 'engineer', by: by.name, text: text(body.text, 'text') }] });
    return { request: presentRequest(saved) };
  }

  /** The admin asks the engineer for more information. */
  ask(id: string, body: { question: string }, admin: ActorLike) {
    const request = this.openRequest(id);
    const by = actorOf(admin);
    const saved = this.store.save({ ...request, state: 'info-requested', messages: [...request.messages, { at: this.clock.now(), from: 'admin', by: by.name, text: text(body.question, 'question') }] });
    return { request: presentRequest(saved) };
  }

  /** The admin denies, saying why. */
  deny(id: string, body: { reason: string }, admin: ActorLike) {
    const request = this.openRequest(id);
    const by = actorOf(admin);
    const saved = this.store.save({ ...request, state: 'denied', denial: text(body.reason, 'reason'), answeredAt: this.clock.now(), answeredBy: by.name, answeredById: by.id });
    this.arm();
    return { request: presentRequest(saved) };
  }

  /**
   * The admin approves: with the terms agreed to, as Enable needs, and
   * possibly a lower level, a shorter duration or (for access) a later start.
   * At once, the grant is made now exactly as POST access makes it; later, the
   * request is scheduled and the gateway grants at the start in the admin's name.
   */
  approve(id: string, body: { accessLevel?: AccessLevel; expireInMinutes?: number; startAt?: string; agreeToRemoteSupportConsent?: boolean; termsVersion?: string; sasCredential?: string }, admin: ActorLike) {
    const request = this.openRequest(id);
    const now = this.clock.now();
    const startAt = body.startAt === undefined ? now : parseIsoDate(body.startAt) ?? now;
    const terms = { accessLevel: body.accessLevel ?? request.accessLevel, expireInMinutes: body.expireInMinutes ?? request.expireInMinutes, startAt };
    const problem = approvalProblem(request, terms, now);
    if (problem) throw new RemoteSupportError('ApprovalExceedsRequest', problem.message, problem.field);
    if (body.agreeToRemoteSupportConsent !== true) throw fieldError('ConsentRequired', 'agreeToRemoteSupportConsent', 'true: the administrator agrees to the remote support terms', body.agreeToRemoteSupportConsent);
    const by = actorOf(admin);
    // The terms agreed to now are the ones a later start grants under: changed terms by then grant nothing.
    if (body.termsVersion !== undefined && body.termsVersion !== TERMS_VERSION) {
      throw fieldError('TermsVersionMismatch', 'termsVersion', `the current terms version, ${TERMS_VERSION} (GET terms)`, body.termsVersion);
    }
    const agreed = { ...terms, termsVersion: TERMS_VERSION };
    const later = startAt > now + MINUTE_MS;
    if (later && body.sasCredential !== undefined) {
      throw fieldError('InvalidStartAt', 'startAt', 'now (absent) when a shared access signature is given: the gateway does not keep one for a later start', body.startAt);
    }
    if (later) {
      // The consent is recorded now; the grant is made at the start, checked again then.
      const saved = this.store.save({ ...request, state: 'scheduled', approved: agreed, answeredAt: now, answeredBy: by.name, answeredById: by.id });
      this.arm();
      return { request: presentRequest(saved), grant: null };
    }
    const made = this.grantFor(request, terms, admin, body);
    const saved = this.store.save({ ...request, state: 'approved', approved: { ...agreed, startAt: now }, grantId: made.grant.id, answeredAt: now, answeredBy: by.name, answeredById: by.id });
    this.arm();
    return { request: presentRequest(saved), grant: made.grant };
  }

  private grantFor(request: AccessRequest, terms: { accessLevel: AccessLevel; expireInMinutes: number }, by: ActorLike, body: { termsVersion?: string; sasCredential?: string }) {
    let minutes = terms.expireInMinutes;
    if (request.kind === 'extension') {
      const active = this.consent.active(this.cluster.name);
      if (!active || active.id !== request.grantId) throw createError('NoGrantToExtend', `The grant this extension was asked for has ended; ask for access instead`);
      minutes = extendedMinutes(active.expiresAt, terms.expireInMinutes, this.clock.now());
    }
    return this.granting.grant(
      {
        accessLevel: terms.accessLevel,
        expireInMinutes: minutes,
        supportCaseNumber: request.supportCase,
        agreeToRemoteSupportConsent: true,
        ...(body.termsVersion !== undefined ? { termsVersion: body.termsVersion } : {}),
        ...(body.sasCredential !== undefined ? { sasCredential: body.sasCredential } : {}),
      },
      by,
    );
  }

  private find(id: string): { request: AccessRequest; intact: boolean } {
    const found = this.store.get(this.cluster.name, id);
    if (!found) throw createError('RequestNotFound', `No access request ${id} exists on ${this.cluster.name}`);
    return found;
  }

  private openRequest(id: string): AccessRequest {
    const found = this.find(id);
    if (!found.intact) throw createError('RequestTampered', `Access request ${id} was changed without the record key; it cannot be answered`);
    this.expireDue();
    const request = this.find(id).request;
    if (!OPEN_REQUEST_STATES.includes(request.state)) throw createError('RequestNotOpen', `Access request ${id} is ${request.state} and can no longer be answered`);
    return request;
  }

  /** Expires unanswered requests past their time, and grants scheduled approvals whose start has come. */
  private tick(): void {
    try {
      this.expireDue();
      this.startDue();
    } catch (e) {
      this.onError(e);
    }
    this.arm();
  }

  private expireDue(): void {
    const now = this.clock.now();
    for (const r of this.store.open()) {
      if (r.cluster === this.cluster.name && OPEN_REQUEST_STATES.includes(r.state) && r.expiresAt <= now) this.store.save({ ...r, state: 'expired' }, 'request.expired');
    }
  }

  private startDue(): void {
    const now = this.clock.now();
    for (const r of this.store.open()) {
      if (r.cluster !== this.cluster.name || r.state !== 'scheduled' || !r.approved || r.approved.startAt > now || this.tampered.has(r.id)) continue;
      // An approval changed without the record key (a raised level, a longer time) grants nothing.
      if (!this.store.get(r.cluster, r.id)?.intact) {
        this.tampered.add(r.id);
        this.onError(new Error(`Access request ${r.id} was changed without the record key; its scheduled grant is not made`));
        continue;
      }
      try {
        const made = this.grantFor(r, r.approved, { name: r.answeredBy ?? 'system', id: r.answeredById }, { termsVersion: r.approved.termsVersion });
        this.store.save({ ...r, state: 'approved', grantId: made.grant.id });
      } catch (e) {
        // The grant could not be made at the start (the agent removed, say): the approval ends as denied, saying why.
        const why = e instanceof Error ? e.message : String(e);
        this.store.save({ ...r, state: 'denied', denial: `The scheduled grant could not start: ${why}` });
      }
    }
  }

  /** One timer, at the earliest expiry or start to come. */
  private arm(): void {
    this.timer?.dispose();
    this.timer = null;
    const next = this.store
      .open()
      .filter((r) => r.cluster === this.cluster.name && !this.tampered.has(r.id))
      .map((r) => (r.state === 'scheduled' ? r.approved?.startAt ?? Infinity : r.expiresAt))
      .reduce((a, b) => Math.min(a, b), Infinity);
    if (next !== Infinity) this.timer = this.clock.setTimer(next, () => this.tick());
  }
}
