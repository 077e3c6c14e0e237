import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Facts about the request a change comes from that every audit event should carry but no
 * service signature has: the token an acting user came through, and the request id of the
 * server's log line. Set by the API around each request; absent in the CLI and in jobs.
 * (Threading them through every service call would touch every signature for two columns.)
 */
export interface AuditContext {
  via?: string;
  requestId?: string;
}

export const auditContext = new AsyncLocalStorage<AuditContext>();
