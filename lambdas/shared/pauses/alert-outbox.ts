import { isRemoved } from '../domain/destinations';
import { MetricNames } from '../domain/metric-names';
import type { OutboxEmail } from '../domain/model';
import { errorFields } from '../runtime/logging';
import type { PausePorts } from './pause-ports';

/**
 * How long (ms) a sender holds an alert before another may send it (a send takes seconds at
 * most): an attempt SES refused, or that timed out, is tried again only after it.
 */
export const ALERT_CLAIM_MS = 60_000;

type FlushPorts = Pick<PausePorts, 'outbox' | 'mailer' | 'log' | 'meter' | 'clock' | 'directory'>;

/**
 * A waiting email (a Resumed one, once its settling time is over) is still to be sent unless its
 * destination was deleted meanwhile: it would announce the recovery of something that is gone.
 */
const stillWanted = async (email: OutboxEmail, ports: FlushPorts): Promise<boolean> => {
  if (email.notBefore === undefined) return true;
  const destination = await ports.directory.getDestination(email.destinationId);
  return destination !== undefined && !isRemoved(destination);
};

/**
 * Sends every alert in the outbox that is due. One with a `notBefore` still to come (a Resumed
 * email waiting out the settling time) is left for a later flush: a pause before then withdraws it
 * (`DestinationState.recordPause`), and a claim, taken only once it is due, is what tells that
 * pause the email is being sent. Each is claimed first, so the delivery function and the prober
 * flushing at the same moment never send it twice; one that SES refuses is sent once its claim
 * (`ALERT_CLAIM_MS`, 60 s) runs out. The flush stops at the first refusal (`failed: 1`), and so it
 * does when the store fails (the outbox cannot be listed, an email claimed or removed, or its
 * destination read): logged, never thrown. A flush is what follows a pause, a resume or the start
 * of a prober pass, each already recorded; the emails stay in the outbox for the next flush, and a
 * failing store must not stop that pass's probes.
 */
export const flushOutbox = async (ports: FlushPorts): Promise<{ sent: number; failed: number }> => {
  let sent = 0;
  try {
    const now = ports.clock().getTime();
    for (const email of await ports.outbox.list()) {
      if (email.notBefore !== undefined && Date.parse(email.notBefore) > now) continue;
      if (!(await ports.outbox.claim(email, ALERT_CLAIM_MS))) continue;
      if (!(await stillWanted(email, ports))) {
        await ports.outbox.remove(email);
        ports.log.info('Alert dropped: its destination was deleted', {
          destinationId: email.destinationId,
          subject: email.subject,
        });
        continue;
      }
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
  } catch (error) {
    ports.log.error('Alert outbox not flushed; its emails stay for the next flush', errorFields(error));
    // Counted as an alert not sent (alarmed): a store that keeps failing must not silence alerts.
    ports.meter.count(MetricNames.alertSendFailures);
    return { sent, failed: 1 };
  }
};
