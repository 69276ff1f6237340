/**
 * The audit trail's edge: who called (from the request context) and the entry each admin write
 * appends once it succeeded. Routes wrap their use case in `audit(event, action, done, target)`.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { AuditAction } from '../shared/domain/audit';
import { MetricNames } from '../shared/domain/metric-names';
import type { ApiEvent } from '../shared/http/api';
import type { AuditTrail } from '../shared/ports/audit';
import type { Clock, Log, Meter } from '../shared/ports/observe';
import { errorFields } from '../shared/runtime/logging';

/** What recording an audit entry takes. */
export interface AuditPorts {
  readonly audit: AuditTrail;
  readonly clock: Clock;
  readonly log: Log;
  readonly meter: Meter;
}

/** The actor recorded when a request carries no IAM principal (never expected behind IAM authorization). */
export const UNKNOWN_ACTOR = 'unknown';

/**
 * The caller's IAM principal ARN, where API Gateway's IAM authorization puts it (HTTP API, payload
 * 2.0: `requestContext.authorizer.iam.userArn`); the local runtime puts `local-admin` there. A
 * request without one is recorded as `unknown`, with a warning, so a gap shows rather than hides.
 */
export const actorOf = (event: ApiEvent, log: Log): string => {
  const { authorizer } = (event as Partial<APIGatewayProxyEventV2WithIAMAuthorizer>).requestContext ?? {};
  const userArn = authorizer?.iam?.userArn;
  if (typeof userArn === 'string' && userArn.length > 0) return userArn;
  log.warn('Admin request without an IAM principal; audited as unknown');
  return UNKNOWN_ACTOR;
};

/**
 * Makes the `audit` function of the admin routes: it awaits `done` (the write; when it throws,
 * nothing is recorded and the error answers as usual), appends `{at, actor, action, target,
 * reason?}` (`target` read from the answer: the new id for a create), and returns the answer.
 * When the append fails, the write is done all the same and is answered as such (never a 5xx for
 * a done action): the entry's fields (no PHI: ids, the action, the ARN; never the reason, which is
 * the operator's free text) are logged at ERROR and `AuditWriteFailures` is counted, so the
 * missing entry can be restored from the log.
 */
export const createAuditor =
  (ports: AuditPorts) =>
  async <T>(
    event: ApiEvent,
    action: AuditAction,
    done: Promise<T>,
    target: (answer: T) => string,
    reason?: string,
  ): Promise<T> => {
    const answer = await done;
    const entry = {
      at: ports.clock().toISOString(),
      actor: actorOf(event, ports.log),
      action,
      target: target(answer),
      ...(reason === undefined ? {} : { reason }),
    };
    try {
      await ports.audit.append(entry);
    } catch (error) {
      const { reason: _reason, ...logged } = entry;
      ports.log.error('Audit entry not stored; the write itself succeeded', {
        audit: { ...logged, hadReason: reason !== undefined },
        ...errorFields(error),
      });
      ports.meter.count(MetricNames.auditWriteFailures);
    }
    return answer;
  };

/** The `audit` function the admin routes use (see `createAuditor`). */
export type Auditor = ReturnType<typeof createAuditor>;
