/** The alert ports: the outbox that alert emails are written to, and the mailer that sends them. */
import type { OutboxEmail } from '../domain/model';

/** Alert emails written together with the state change that causes them, sent afterwards. */
export interface Outbox {
  list(): Promise<OutboxEmail[]>;
  /**
   * Takes an email for sending for `leaseMs`; false when another sender holds it. A sender that
   * fails (or dies) without removing it lets the lease run out, and the email is sent later.
   */
  claim(email: OutboxEmail, leaseMs: number): Promise<boolean>;
  remove(email: OutboxEmail): Promise<void>;
}

/** Sends one email (SES). */
export interface Mailer {
  send(email: { to: string; subject: string; body: string }): Promise<void>;
}
