/** Test data: a repair waiting for the admin, in the API's shape. */
import { RepairApprovalView } from '../core/api-models';
import { iso, NOW } from '../testing/fixtures';

/** A repair waiting for an answer: asked a moment ago, refused automatically in 4:32. */
export function waitingRepair(overrides: Partial<RepairApprovalView> = {}): RepairApprovalView {
  return {
    id: '6f1c2d3e-0000-4000-8000-000000000001',
    sessionId: '11111111-1111-4111-8111-111111111111',
    engineer: { name: 'engineer@support.example', id: 'entra:t/e' },
    node: 'hci-n02',
    cmdlet: 'Restart-Service',
    parameters: { Name: 'ClusSvc' },
    reason: 'vmms hangs after the update',
    askedAt: iso(NOW - 28_000),
    expiresAt: iso(NOW + 272_000),
    state: 'pending',
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    ...overrides,
  };
}
