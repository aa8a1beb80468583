/**
 * An error the extension shows: a catalog error from the gateway
 * (`{"error": {"code", "message", "field", "allowed"}}`, see docs/errors.md),
 * or one made here when the gateway could not be reached.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The request field at fault, so a form can show the message next to it. */
    readonly field: string | null = null,
    readonly allowed: string | null = null,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** True when the gateway did not answer at all (network down, gateway stopped). */
  get unreachable(): boolean {
    return this.code === 'GatewayUnreachable';
  }
}

interface CatalogBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; allowed?: unknown };
}

function parseBody(response: unknown): CatalogBody | null {
  if (typeof response === 'string') {
    try {
      return JSON.parse(response) as CatalogBody;
    } catch {
      return null;
    }
  }
  return response && typeof response === 'object' ? (response as CatalogBody) : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * Turns whatever a request failed with (the SDK's AjaxError, a fetch
 * failure, a thrown Error) into a GatewayError. Status 0 means the request
 * never got an answer.
 */
export function toGatewayError(error: unknown, unreachableMessage: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const e = (error ?? {}) as { status?: unknown; response?: unknown; xhr?: { status?: number; response?: unknown }; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.xhr?.status === 'number' ? e.xhr.status : 0;
  const body = parseBody(e.response ?? e.xhr?.response);
  const catalog = body?.error;
  if (catalog && str(catalog.code) && str(catalog.message)) {
    return new GatewayError(str(catalog.code)!, str(catalog.message)!, status, str(catalog.field), str(catalog.allowed));
  }
  if (status === 0) return new GatewayError('GatewayUnreachable', unreachableMessage, 0);
  const message = str(e.message) ?? `HTTP ${status}`;
  return new GatewayError(status >= 500 ? 'Internal' : 'UnexpectedResponse', message, status);
}
