import type * as C from '../contract/admin-api';
import type { exportDocument } from '../ports/record-view';
import type { AccessRequests } from '../service/access-requests';
import type { RemoteSupportDesk } from '../service/remote-support-desk';

/**
 * Compile-time proof that what the service hands the routes has the
 * contract's shapes. The service keeps its own types (it sits below the
 * contract's layer), so without this a drift would show up only when a
 * response failed to serialize; with it, the build fails.
 */
type Conforms<Actual extends Contract, Contract> = [Actual, Contract];
type Desk = RemoteSupportDesk;
type Result<M extends keyof Desk> = Desk[M] extends (...args: never[]) => infer R ? Awaited<R> : never;
type Ask<M extends keyof AccessRequests> = AccessRequests[M] extends (...args: never[]) => infer R ? Awaited<R> : never;

export type ServiceConformsToContract = [
  Conforms<Result<'status'>, C.ClusterStatus>,
  Conforms<Result<'prerequisites'>, C.Prerequisites>,
  Conforms<Result<'operation'>, C.AgentOperation>,
  Conforms<Result<'grant'>, C.GrantResult>,
  Conforms<Result<'revoke'>, C.RevokeResult>,
  Conforms<Result<'access'>, C.AccessList>,
  Conforms<Result<'history'>, C.SessionHistory>,
  Conforms<Result<'session'>, C.SessionDetail>,
  Conforms<Result<'search'>, C.SearchResult>,
  Conforms<ReturnType<typeof exportDocument>, C.TranscriptExport>,
  Conforms<Result<'verify'>, C.Verification['verification']>,
  Conforms<Result<'recordReads'>, C.RecordReadList>,
  Conforms<Ask<'list'>, C.AccessRequestList>,
  Conforms<Ask<'get'>, C.AccessRequestResult>,
  Conforms<Ask<'create'>, C.AccessRequestResult>,
  Conforms<Ask<'watch'>, C.AccessRequestResult>,
  Conforms<Ask<'reply'>, C.AccessRequestResult>,
  Conforms<Ask<'ask'>, C.AccessRequestResult>,
  Conforms<Ask<'deny'>, C.AccessRequestResult>,
  Conforms<Ask<'approve'>, C.ApprovalResult>,
];
