/** Writes an audit event for a change made through the API: who, what, which target, from where. Never secrets. */
import type { FastifyRequest } from 'fastify';

export interface AuditTarget {
  type: string;
  id?: number | string | null;
  name?: string;
}

export async function audit(
  request: FastifyRequest,
  action: string,
  target: AuditTarget,
  details: Record<string, unknown> = {},
): Promise<void> {
  const caller = request.caller;
  await request.server.services.store.audit.record({
    actorId: caller.kind === 'user' ? caller.user.id : null,
    actorName: caller.kind === 'user' ? caller.user.login : '',
    action,
    targetType: target.type,
    targetId: target.id === undefined || target.id === null ? null : String(target.id),
    targetName: target.name ?? '',
    address: request.ip,
    details,
  });
}

/** The names of the fields a change touched, for the audit log (values of secrets are never recorded). */
export function changedFields(patch: Record<string, unknown>): string[] {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
}
