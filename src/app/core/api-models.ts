/**
 * The shapes the gateway's admin API answers with (see the README's API
 * table). Times are ISO 8601 strings in UTC unless a comment says otherwise.
 */

/** The two access levels, from least to most. */
export const ACCESS_LEVELS = ['Diagnostics', 'DiagnosticsRepair'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export type AgentState = 'NotInstalled' | 'Installing' | 'Installed' | 'Removing' | 'Failed';

export interface NodeStatus {
  name: string;
  online: boolean;
  agent: { state: AgentState; version: string | null; detail: string | null; updatedAt: string | null };
}

export type GrantState = 'active' | 'revoked' | 'superseded' | 'expired';

export interface GrantView {
  id: string;
  cluster: string;
  state: GrantState;
  accessLevel: AccessLevel;
  expireInMinutes: number;
  grantedAt: string;
  expiresAt: string;
  endedAt: string | null;
  endReason: Exclude<GrantState, 'active'> | null;
  grantedBy: string;
  endedBy: string | null;
  supportCaseNumber: string | null;
  termsVersion: string;
  sasCredentialProvided: boolean;
  secondsLeft: number;
}

/** Why a session ended: one table shared with the gateway (domain/transcript.ts). */
export const SESSION_END_REASONS = ['closed', 'revoked', 'expired', 'ended-by-admin', 'idle-timeout', 'interrupted'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

export interface SessionView {
  id: string;
  grantId: string;
  engineer: string;
  supportCase: string | null;
  accessLevel: AccessLevel;
  nodes: string[];
  startedAt: string;
  endedAt: string | null;
  endReason: SessionEndReason | null;
  durationSeconds: number | null;
  commandCount: number;
}

export interface NodeProgress {
  node: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  step: string | null;
  stepsDone: number;
  stepsTotal: number;
  error: string | null;
}

export interface AgentOperation {
  id: string;
  cluster: string;
  kind: 'install' | 'remove';
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  nodes: NodeProgress[];
}

export interface ClusterStatus {
  cluster: string;
  registered: boolean;
  now: string;
  nodes: NodeStatus[];
  activeGrant: GrantView | null;
  liveSessions: SessionView[];
  agentOperation: AgentOperation | null;
}

export type PrerequisiteStatus = 'passed' | 'failed' | 'warning';

export interface PrerequisiteCheck {
  id: string;
  title: string;
  node: string | null;
  status: PrerequisiteStatus;
  detail: string;
  remedy: string | null;
}

export interface Prerequisites {
  ready: boolean;
  checks: PrerequisiteCheck[];
}

export interface Terms {
  version: string;
  text: string;
}

export interface CommandEntry {
  name: string;
  level: AccessLevel;
  reason: string;
}

export interface LevelCommands {
  accessLevel: AccessLevel;
  commands: CommandEntry[];
}

/** Transcript entry kinds: one table shared with the gateway (domain/transcript.ts). */
export const TRANSCRIPT_KINDS = ['command', 'output', 'denied', 'error', 'system'] as const;
export type TranscriptKind = (typeof TRANSCRIPT_KINDS)[number];

export interface TranscriptEntry {
  seq: number;
  at: string;
  kind: TranscriptKind;
  node: string | null;
  text: string;
  prevHash: string;
  hash: string;
}

export interface TranscriptPage {
  offset: number;
  limit: number;
  total: number;
  entries: TranscriptEntry[];
}

export interface SessionDetail {
  session: SessionView;
  transcript?: TranscriptPage;
}

export interface SearchHit {
  sessionId: string;
  seq: number;
  at: string;
  kind: TranscriptKind;
  node: string | null;
  engineer: string;
  /** The matching text with the matched words in [brackets]. */
  snippet: string;
}

export interface ChainCheck {
  valid: boolean;
  entries: number;
  firstBadSeq: number | null;
  problem: string | null;
}

/** The body of POST access. */
export interface GrantRequest {
  accessLevel: AccessLevel;
  expireInMinutes: number;
  agreeToRemoteSupportConsent: true;
  supportCaseNumber?: string;
  sasCredential?: string;
  termsVersion: string;
}

export interface GrantResult {
  grant: GrantView;
  superseded: GrantView | null;
}

export interface RevokeResult {
  revoked: GrantView | null;
  sessionsEnded: number;
}

/** Every kind of live event the API streams: one table shared with the gateway (events/event-hub.ts). */
export const LIVE_EVENT_TYPES = [
  'grant.created',
  'grant.superseded',
  'grant.revoked',
  'grant.expired',
  'agent.progress',
  'agent.finished',
  'session.started',
  'session.ended',
  'transcript.entry',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** One server-sent event: `data` is the event's JSON payload as the gateway sent it. */
export interface LiveEvent {
  id: string | null;
  type: LiveEventType;
  data: unknown;
}
