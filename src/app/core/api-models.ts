/**
 * The shapes the gateway's admin API answers with, by the names the extension
 * uses. They are generated from the gateway's contract
 * (src/generated/api-contract.ts, by gateway-plugin/scripts/write-contract.mjs);
 * the full description is the OpenAPI document (docs/openapi.json, served at
 * /api/openapi.json). Times are ISO 8601 strings in UTC.
 */
import type { LIVE_EVENT_TYPES } from '../../generated/api-contract';

export {
  ACCESS_LEVELS,
  EXPIRE_IN_MINUTES,
  LIVE_EVENT_TYPES,
  SESSION_END_REASONS,
  SUPPORT_CASE_NUMBER,
  TRANSCRIPT_KINDS,
} from '../../generated/api-contract';
export type {
  AccessList,
  AccessLevel,
  AccessRequest,
  AccessRequestList,
  Actor,
  ApprovalResult,
  ApprovalState,
  DenyListView,
  DenyRule,
  RecordRead,
  RecordReadList,
  RepairApprovalList,
  RepairApprovalView,
  RequestApproval,
  AgentOperation,
  AgentState,
  ChainCheck,
  ClusterStatus,
  CommandEntry,
  GrantRequest,
  GrantResult,
  GrantState,
  GrantView,
  LevelCommands,
  NodeProgress,
  NodeStatus,
  PrerequisiteCheck,
  Prerequisites,
  PrerequisiteStatus,
  RelayView,
  RevokeResult,
  SearchHit,
  SearchResult,
  SessionDetail,
  SessionEndReason,
  SessionHistory,
  SessionView,
  Terms,
  TranscriptEntry,
  TranscriptExport,
  TranscriptKind,
  TranscriptPage,
} from '../../generated/api-contract';

export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** One server-sent event: `data` is the event's JSON payload as the gateway sent it. */
export interface LiveEvent {
  id: string | null;
  type: LiveEventType;
  data: unknown;
}
