import type { Actor } from './actor';

/**
 * Repairs wait for a live yes: with the grant's repairApproval option on, a
 * repair command (a command of level DiagnosticsRepair) asks the cluster
 * administrator before it runs. The question, the answer, who gave it and
 * when go into the session's transcript (docs/repair-approval.md).
 */

/** The admin's answers. */
export const REPAIR_DECISIONS = ['approve', 'refuse'] as const;
export type RepairDecision = (typeof REPAIR_DECISIONS)[number];

/** Where an approval stands. */
export const APPROVAL_STATES = ['pending', 'approved', 'refused', 'timed-out', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** How long a repair waits for an answer unless the configuration says otherwise (channel.repairApprovalTimeoutSeconds). */
export const DEFAULT_REPAIR_APPROVAL_TIMEOUT_SECONDS = 300;
/** The longest reason an engineer or an admin may give. */
export const MAX_APPROVAL_REASON = 500;

/** A repair's question and, once there is one, its answer (times in epoch ms). */
export interface RepairApproval {
  id: string;
  cluster: string;
  sessionId: string;
  engineer: Actor;
  node: string;
  cmdlet: string;
  parameters: Readonly<Record<string, string | true | readonly string[]>>;
  /** The engineer's stated reason, when the run message carried one. */
  reason: string | null;
  askedAt: number;
  /** When an unanswered question times out as refused. */
  expiresAt: number;
  state: ApprovalState;
  decidedAt: number | null;
  /** The admin who answered; null while pending, on a time-out and on a cancel. */
  decidedBy: Actor | null;
  /** The admin's reason, or why it was cancelled. */
  decisionReason: string | null;
}
