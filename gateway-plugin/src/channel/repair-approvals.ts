import { randomUUID } from 'node:crypto';
import { Actor, ActorLike, actorOf } from '../domain/actor';
import { Clock, Disposable } from '../domain/clock';
import { createError } from '../domain/errors';
import { RepairApproval, RepairDecision } from '../domain/repair-approval';
import type { RepairApprovalControl } from '../ports/store-ports';

/** How a question ended, as the waiting session learns it. */
export type ApprovalOutcome =
  | { kind: 'approved' | 'refused'; by: Actor; reason: string | null }
  | { kind: 'timed-out' }
  | { kind: 'cancelled'; why: string };

/** What the registry publishes (the gateway puts it on the EventHub: repair.pending, repair.decided). */
export type ApprovalPublisher = (type: 'repair.pending' | 'repair.decided', cluster: string, approval: RepairApproval) => void;

interface Waiting {
  approval: RepairApproval;
  timer: Disposable;
  /** Records the outcome in the session's transcript; the answer returns only after it. */
  record: (outcome: ApprovalOutcome) => Promise<void>;
  resolve: (outcome: ApprovalOutcome) => void;
}

/** How many answered questions are kept per gateway, so a second answer is told "already decided", not "not found". */
const KEEP_DECIDED = 1000;

/**
 * The repairs waiting for a live yes, in memory: a question lives only as
 * long as its session (a restart interrupts every session), and everything
 * about it is in the session's transcript. A question is settled once: by
 * the admin's answer, by its time-out on the injected clock, or by a cancel
 * (revoke, expiry, the session ending).
 */
export class RepairApprovals implements RepairApprovalControl {
  private readonly waiting = new Map<string, Waiting>();
  private readonly decided = new Map<string, RepairApproval>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly publish: ApprovalPublisher = () => {},
  ) {}

  /**
   * Asks the admin: `recordQuestion` writes the question to the transcript
   * first; then it can be answered, repair.pending is published and the
   * time-out armed. `record` writes the outcome; `outcome` resolves after it.
   */
  async ask(
    question: Pick<RepairApproval, 'cluster' | 'sessionId' | 'engineer' | 'node' | 'cmdlet' | 'parameters' | 'reason'>,
    record: (outcome: ApprovalOutcome, approval: RepairApproval) => Promise<void>,
    recordQuestion: (approval: RepairApproval) => Promise<void>,
  ): Promise<{ approval: RepairApproval; outcome: Promise<ApprovalOutcome> }> {
    const now = this.clock.now();
    const approval: RepairApproval = { ...question, id: randomUUID(), askedAt: now, expiresAt: now + this.timeoutMs, state: 'pending', decidedAt: null, decidedBy: null, decisionReason: null };
    await recordQuestion({ ...approval });
    let resolve!: (o: ApprovalOutcome) => void;
    const outcome = new Promise<ApprovalOutcome>((r) => (resolve = r));
    const timer = this.clock.setTimer(approval.expiresAt, () => {
      this.settle(approval.id, { kind: 'timed-out' }).catch(() => {
        // Already settled by an answer that came at the same moment.
      });
    });
    this.waiting.set(approval.id, { approval, timer, record: (o) => record(o, approval), resolve });
    this.publish('repair.pending', approval.cluster, { ...approval });
    return { approval: { ...approval }, outcome };
  }

  pending(cluster: string): RepairApproval[] {
    return [...this.waiting.values()]
      .map((w) => w.approval)
      .filter((a) => a.cluster === cluster && a.state === 'pending')
      .sort((a, b) => a.askedAt - b.askedAt)
      .map((a) => ({ ...a }));
  }

  async decide(cluster: string, id: string, decision: RepairDecision, reason: string | null, by: ActorLike): Promise<RepairApproval> {
    const known = this.waiting.get(id)?.approval ?? this.decided.get(id);
    // Another cluster's question is no question of this one: not found, and nothing said about it.
    if (!known || known.cluster !== cluster) throw createError('ApprovalNotFound', `No repair approval ${id} is waiting on ${cluster}; GET approvals lists the waiting ones`);
    return this.settle(id, { kind: decision === 'approve' ? 'approved' : 'refused', by: actorOf(by), reason });
  }

  /** Cancels a question (its session is ending); resolves once recorded. No-op when it is already settled. */
  async cancel(id: string, why: string): Promise<void> {
    if (this.waiting.get(id)?.approval.state !== 'pending') return;
    await this.settle(id, { kind: 'cancelled', why });
  }

  /** Disposes every time-out (shutdown: the sessions end as interrupted, cancelling their questions first). */
  dispose(): void {
    for (const w of this.waiting.values()) w.timer.dispose();
  }

  /**
   * Settles a question once: the state changes at once (a second answer
   * racing this one is refused), then the outcome is recorded and the
   * session told; resolves with the question as settled.
   */
  private async settle(id: string, outcome: ApprovalOutcome): Promise<RepairApproval> {
    const w = this.waiting.get(id);
    if (!w || w.approval.state !== 'pending') {
      const done = w?.approval ?? this.decided.get(id);
      throw createError('ApprovalAlreadyDecided', `Repair approval ${id} was already settled (${done?.state ?? 'unknown'}${done?.decidedBy ? ` by ${done.decidedBy.name}` : ''}); it can be decided once`);
    }
    w.timer.dispose();
    const a = w.approval;
    a.state = outcome.kind;
    a.decidedAt = this.clock.now();
    a.decidedBy = outcome.kind === 'approved' || outcome.kind === 'refused' ? outcome.by : null;
    a.decisionReason = outcome.kind === 'approved' || outcome.kind === 'refused' ? outcome.reason : outcome.kind === 'cancelled' ? outcome.why : null;
    try {
      await w.record(outcome);
    } finally {
      this.waiting.delete(id);
      this.decided.set(id, a);
      if (this.decided.size > KEEP_DECIDED) this.decided.delete(this.decided.keys().next().value!);
      this.publish('repair.decided', a.cluster, { ...a });
      w.resolve(outcome);
    }
    return { ...a };
  }
}
