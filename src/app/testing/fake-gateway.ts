import { Observable, of, Subject, throwError } from 'rxjs';
import { GatewayError } from '../core/gateway-error';
import { ListPageRequest, RemoteSupportGateway } from '../core/remote-support-gateway';
import { CLUSTER, COMMANDS, PREREQUISITES, status, TERMS } from './fixtures';

type Methods = Exclude<keyof RemoteSupportGateway, 'cluster' | 'transport' | 'live'>;

/**
 * A stand-in for the gateway: every API method is a jest mock answering
 * with fixtures; a spec changes answers with `answer(method, value)` or
 * `fail(method, error)`, or holds one open with `hold(method)`.
 */
export class FakeGateway {
  cluster = CLUSTER;
  readonly transport = 'direct';

  readonly status = jest.fn((): Observable<unknown> => of(status()));
  readonly prerequisites = jest.fn((): Observable<unknown> => of(PREREQUISITES));
  readonly terms = jest.fn((): Observable<unknown> => of(TERMS));
  readonly commands = jest.fn((): Observable<unknown> => of(COMMANDS));
  readonly installAgent = jest.fn((_nodes?: string[]): Observable<unknown> => of({ operation: null }));
  readonly removeAgent = jest.fn((_nodes?: string[]): Observable<unknown> => of({ operation: null }));
  readonly operation = jest.fn((_id: string): Observable<unknown> => of({ operation: null }));
  readonly grant = jest.fn((_request: unknown): Observable<unknown> => of({ grant: null, superseded: null }));
  readonly revoke = jest.fn((): Observable<unknown> => of({ revoked: null, sessionsEnded: 0 }));
  readonly access = jest.fn((_includeExpired: boolean, _page?: ListPageRequest): Observable<unknown> => of({ grants: [], nextCursor: null, total: 0 }));
  readonly sessions = jest.fn((_fromDate?: string, _page?: ListPageRequest): Observable<unknown> => of({ fromDate: '', sessions: [], nextCursor: null, total: 0 }));
  readonly session = jest.fn((_id: string, _page?: { offset: number; limit: number }): Observable<unknown> => of({ session: null }));
  readonly endSession = jest.fn((_id: string): Observable<unknown> => of({ session: null }));
  readonly verify = jest.fn((_id: string): Observable<unknown> => of({ verification: { valid: true, entries: 0, firstBadSeq: null, problem: null } }));
  readonly searchTranscripts = jest.fn((_q: string, _from?: string, _page?: { limit: number; cursor?: string | null }): Observable<unknown> => of({ query: '', hits: [], nextCursor: null }));
  readonly exportTranscript = jest.fn((id: string, format: 'json' | 'text'): Observable<unknown> => of(format === 'json' ? '{}\n' : `Remote support session ${id}\n`));

  readonly accessRequests = jest.fn((_open: boolean, _page?: ListPageRequest): Observable<unknown> => of({ requests: [], nextCursor: null, total: 0 }));
  readonly accessRequest = jest.fn((_id: string): Observable<unknown> => of({ request: null }));
  readonly approveRequest = jest.fn((_id: string, _approval: unknown): Observable<unknown> => of({ request: null, grant: null }));
  readonly denyRequest = jest.fn((_id: string, _reason: string): Observable<unknown> => of({ request: null }));
  readonly askAboutRequest = jest.fn((_id: string, _question: string): Observable<unknown> => of({ request: null }));
  readonly repairApprovals = jest.fn((): Observable<unknown> => of({ approvals: [] }));
  readonly decideRepair = jest.fn((_id: string, _decision: 'approve' | 'refuse', _reason?: string): Observable<unknown> => of({ approval: null }));
  readonly denyList = jest.fn((): Observable<unknown> => of({ rules: [], version: 0, updatedAt: null, updatedBy: null, updatedById: null, intact: true, changes: [] }));
  readonly setDenyList = jest.fn((_rules: unknown[], _expectedVersion?: number): Observable<unknown> => of({ rules: [], version: 1, updatedAt: null, updatedBy: null, updatedById: null, intact: true, changes: [] }));
  readonly recordReads = jest.fn((_sessionId?: string, _page?: ListPageRequest): Observable<unknown> => of({ reads: [], nextCursor: null, total: 0 }));

  answer<M extends Methods>(method: M, value: unknown): this {
    (this[method] as unknown as jest.Mock).mockImplementation(() => of(value));
    return this;
  }

  fail<M extends Methods>(method: M, error: GatewayError): this {
    (this[method] as unknown as jest.Mock).mockImplementation(() => throwError(() => error));
    return this;
  }

  /** Leaves the next calls of `method` unanswered until the returned subject emits. */
  hold<M extends Methods>(method: M): Subject<unknown> {
    const subject = new Subject<unknown>();
    (this[method] as unknown as jest.Mock).mockImplementation(() => subject as Observable<unknown>);
    return subject;
  }
}

export function gatewayError(code: string, message: string, field: string | null = null, status = 400): GatewayError {
  return new GatewayError(code, message, status, field);
}

export const provideFakeGateway = (fake: FakeGateway) => ({ provide: RemoteSupportGateway, useValue: fake });
