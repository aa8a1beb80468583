import type { AccessRequest } from '../core/api-models';
import { CLUSTER, iso, NOW } from '../testing/fixtures';

/** Test data for access requests in the API's shapes; every builder takes overrides. */
export function accessRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: '7c1e2d3a-4b5c-4d6e-8f70-1a2b3c4d5e6f',
    cluster: CLUSTER,
    kind: 'access',
    state: 'pending',
    engineer: 'engineer@support.example',
    engineerId: 'entra:72f988bf-86f1-41af-91ab-2d7cd011db47/0d9e8c7b-6a5f-4e4d-8c3b-2a1f0e9d8c7b',
    supportCase: '2612030010000042',
    accessLevel: 'DiagnosticsRepair',
    expireInMinutes: 240,
    nodes: ['hci-n02'],
    reason: 'Storage pool degraded; restart the Health Service on hci-n02 if needed',
    grantId: null,
    requestedAt: iso(NOW - 5 * 60_000),
    expiresAt: iso(NOW - 5 * 60_000 + 12 * 60 * 60_000),
    answeredAt: null,
    answeredBy: null,
    answeredById: null,
    approved: null,
    denial: null,
    messages: [],
    intact: true,
    ...overrides,
  };
}

/** A request the admin asked about, with the engineer's answer pending. */
export function questionedRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return accessRequest({
    id: 'r-asked',
    state: 'info-requested',
    engineer: 'second@support.example',
    supportCase: 'CASE-2',
    messages: [{ at: iso(NOW - 2 * 60_000), from: 'admin', by: 'admin@contoso.com', text: 'Which node, and why a repair?' }],
    ...overrides,
  });
}

/** An engineer's request for 120 more minutes on the active grant g-1. */
export function extensionRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return accessRequest({ id: 'r-ext', kind: 'extension', accessLevel: 'Diagnostics', expireInMinutes: 120, grantId: 'g-1', supportCase: 'CASE-1', nodes: null, reason: 'The repair needs longer', ...overrides });
}

/** A request approved yesterday by the admin. */
export function approvedRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return accessRequest({
    id: 'r-approved',
    state: 'approved',
    engineer: 'third@support.example',
    supportCase: 'CASE-3',
    accessLevel: 'Diagnostics',
    requestedAt: iso(NOW - 26 * 60 * 60_000),
    expiresAt: iso(NOW - 14 * 60 * 60_000),
    answeredAt: iso(NOW - 25 * 60 * 60_000),
    answeredBy: 'admin@contoso.com',
    answeredById: 'local:admin',
    approved: { accessLevel: 'Diagnostics', expireInMinutes: 120, startAt: iso(NOW - 25 * 60 * 60_000), termsVersion: 'b'.repeat(64) },
    grantId: 'g-0',
    ...overrides,
  });
}

/** A request denied two hours ago. */
export function deniedRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return accessRequest({
    id: 'r-denied',
    state: 'denied',
    engineer: 'fourth@support.example',
    supportCase: 'CASE-4',
    requestedAt: iso(NOW - 3 * 60 * 60_000),
    expiresAt: iso(NOW + 9 * 60 * 60_000),
    answeredAt: iso(NOW - 2 * 60 * 60_000),
    answeredBy: 'admin@contoso.com',
    answeredById: 'local:admin',
    denial: 'Not during the quarter close',
    ...overrides,
  });
}

/** A page of requests as the gateway answers. */
export function requestList(...requests: AccessRequest[]) {
  return { requests, nextCursor: null, total: requests.length };
}
