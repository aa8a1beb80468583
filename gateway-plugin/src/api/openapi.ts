import { buildAdminApi } from './admin-api';
import { EventHub } from '../events/event-hub';

/**
 * The admin API's OpenAPI 3.1 document, made from the routes' schemas by a
 * gateway that serves nothing (no cluster, no sign-in): what
 * scripts/write-contract.mjs checks in as docs/openapi.json, and what a
 * running gateway serves at /api/openapi.json.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = buildAdminApi({
    desks: new Map(),
    auth: { authenticate: async () => ({ name: 'openapi', via: 'local' }) } as never,
    events: new EventHub(() => 0),
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
