/**
 * The wire's limits as an admin configures them (`limits` in the
 * configuration file). One set of defaults: the configuration, the admin
 * API's server and the event streams all start from these.
 */
export interface WireLimits {
  /** Connections open at once, all clients together. */
  connections: number;
  /** Connections open at once from one remote address. */
  connectionsPerAddress: number;
  /** From a request's first byte until its headers are complete. */
  headersTimeoutSeconds: number;
  /** From a request's first byte until its body is complete. */
  bodyTimeoutSeconds: number;
  /** How long a kept-alive connection may wait for its next request. */
  idleTimeoutSeconds: number;
  /** Live event streams open at once, all admins together. */
  eventStreams: number;
  /** Live event streams one admin may hold open. */
  eventStreamsPerAdmin: number;
  /** What one event stream may hold unread before it is dropped (the client resumes with Last-Event-ID). */
  eventBufferKiB: number;
}

export const WIRE_LIMIT_DEFAULTS: Readonly<WireLimits> = {
  connections: 1000,
  connectionsPerAddress: 100,
  headersTimeoutSeconds: 10,
  bodyTimeoutSeconds: 30,
  idleTimeoutSeconds: 30,
  eventStreams: 100,
  eventStreamsPerAdmin: 10,
  eventBufferKiB: 256,
};
