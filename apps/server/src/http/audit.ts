/**
 * Audit events for changes made through the API: who, what, which target, from where. Never secrets. `audited` makes
 * the change and records its event in one transaction, so the log never shows a change that did not happen nor misses
 * one that did.
 */
import type { NewAuditEvent, StoreTransaction } from '@registry-admin/store';
import type { FastifyRequest } from 'fastify';

export interface AuditTarget {
  type: string;
  id?: number | string | null;
  name?: string;
}

/** The audit event of `action` on `target` by the request's caller. */
export function auditEvent(
  request: FastifyRequest,
  action: string,
  target: AuditTarget,
  details: Record<string, unknown> = {},
): NewAuditEvent {
  const caller = request.caller;
  return {
    actorId: caller.kind === 'user' ? caller.user.id : null,
    actorName: caller.kind === 'user' ? caller.user.login : '',
    action,
    targetType: target.type,
    targetId: target.id === undefined || target.id === null ? null : String(target.id),
    targetName: target.name ?? '',
    address: request.ip,
    details,
  };
}

/** Records an audit event on its own (a change that has no store write of its own to share a transaction with). */
export async function audit(
  request: FastifyRequest,
  action: string,
  target: AuditTarget,
  details: Record<string, unknown> = {},
): Promise<void> {
  await request.server.services.store.audit.record(auditEvent(request, action, target, details));
}

/**
 * Runs `change` in a store transaction and records the audit event `describe` makes of its result in the same one:
 * both commit, or neither does.
 *
 * @example
 * const group = await audited(request, 'group.create', (tx) => tx.groups.create(input), (group) => ({
 *   target: { type: 'group', id: group.id, name: group.name },
 * }));
 */
export function audited<T>(
  request: FastifyRequest,
  action: string,
  change: (tx: StoreTransaction) => Promise<T>,
  describe: (result: T) => { target: AuditTarget; details?: Record<string, unknown> },
): Promise<T> {
  return request.server.services.store.transaction(async (tx) => {
    const result = await change(tx);
    const { target, details } = describe(result);
    await tx.audit.record(auditEvent(request, action, target, details));
    return result;
  });
}

/** The names of the fields a change touched, for the audit log (values of secrets are never recorded). */
export function changedFields(patch: Record<string, unknown>): string[] {
  return Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
}
