import { MetricNames } from '../domain/metric-names';
import { errorFields } from '../runtime/logging';
import type { PausePorts } from './pause-ports';

/** How long a sender holds an alert before another may send it (a send takes seconds at most). */
const ALERT_CLAIM_MS = 60_000;

/**
 * Sends every alert in the outbox. Each is claimed first, so the delivery function and the prober
 * flushing at the same moment never send it twice; one that SES refuses is sent once its claim
 * (`ALERT_CLAIM_MS`, 60 s) runs out. The flush stops at the first refusal (`failed: 1`); it throws
 * only when the outbox cannot be listed or claimed.
 */
export const flushOutbox = async (
  ports: Pick<PausePorts, 'outbox' | 'mailer' | 'log' | 'meter'>,
): Promise<{ sent: number; failed: number }> => {
  let sent = 0;
  for (const email of await ports.outbox.list()) {
    if (!(await ports.outbox.claim(email, ALERT_CLAIM_MS))) continue;
    try {
      await ports.mailer.send(email);
      await ports.outbox.remove(email);
      sent++;
      ports.meter.count(MetricNames.alertsSent);
      ports.log.info('Alert sent', { destinationId: email.destinationId, subject: email.subject });
    } catch (error) {
      ports.log.error('Alert not sent; it stays in the outbox and is retried', {
        destinationId: email.destinationId,
        ...errorFields(error),
      });
      ports.meter.count(MetricNames.alertSendFailures);
      return { sent, failed: 1 };
    }
  }
  return { sent, failed: 0 };
};
