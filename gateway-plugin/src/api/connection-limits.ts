import { createServer as createHttpServer, RequestListener, Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Socket } from 'node:net';
import { WIRE_LIMIT_DEFAULTS, WireLimits } from '../domain/wire-limits';
import { serverTlsOptions } from '../tls/certificates';

/** What one connection may hold and how many there may be. */
export interface ConnectionLimits {
  /** Connections open at once, all clients together; more are closed as they arrive. */
  maxConnections: number;
  /** Connections open at once from one remote address; more are closed as they arrive. */
  maxConnectionsPerAddress: number;
  /** From a request's first byte (or the connection's start) until its headers are complete. */
  headersTimeoutMs: number;
  /** From a request's first byte until its body is complete; a body dripped slowly is cut here. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may wait for its next request. */
  idleTimeoutMs: number;
}

/** The server's limits from the configured wire limits (seconds become milliseconds). */
export function connectionLimitsOf(limits: WireLimits): ConnectionLimits {
  return {
    maxConnections: limits.connections,
    maxConnectionsPerAddress: limits.connectionsPerAddress,
    headersTimeoutMs: limits.headersTimeoutSeconds * 1000,
    requestTimeoutMs: limits.bodyTimeoutSeconds * 1000,
    idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
  };
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = connectionLimitsOf(WIRE_LIMIT_DEFAULTS);

/** The largest request head (request line and headers) the gateway reads; more is answered 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * The gateway's HTTP(S) server with its limits: Node's own timers time the
 * headers and the whole request from their first byte (so a client that
 * drips bytes does not reset them), the TLS handshake and the idle time
 * between requests; connections beyond the caps are closed before TLS.
 */
export function createLimitedServer(handler: RequestListener, limits: ConnectionLimits, tls?: { cert: string; key: string }): HttpServer {
  const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs } = limits;
  const timing = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: idleTimeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
    // How often Node looks for requests past their timeouts.
    connectionsCheckingInterval: Math.max(50, Math.min(headersTimeoutMs, requestTimeoutMs) / 4),
  };
  const server = tls
    ? createHttpsServer({ ...serverTlsOptions(tls), ...timing, handshakeTimeout: headersTimeoutMs }, handler)
    : createHttpServer(timing, handler);
  server.keepAliveTimeout = idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  const perAddress = new Map<string, number>();
  // 'connection' is the TCP connection, before any TLS work is spent on it.
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
  return server;
}
