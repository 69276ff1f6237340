import { notFound } from '../shared/domain/errors';
import { isId } from '../shared/domain/ids';
import type { Source } from '../shared/domain/model';
import { type MessageStatus, rollUpStatus } from '../shared/domain/status';
import type { MessageStore } from '../shared/ports/messages';

/** The answer to `GET /v1/messages/{messageId}` (MessageView in docs/openapi.yaml). */
export interface MessageView {
  readonly messageId: string;
  readonly receivedAt: string;
  readonly status: MessageStatus;
  readonly transmissions: ReadonlyArray<{
    id: string;
    destinationId: string;
    status: string;
    attempts: number;
    sequence?: number;
    arrivedAt?: string;
    lastError?: string;
  }>;
}

/**
 * `GET /v1/messages/{messageId}`: the message with its transmissions and rolled-up status. Only the
 * sending source's organization may read it; anyone else is answered 404, as for an unknown id.
 */
export const getMessage = async (source: Source, messageId: string, messages: MessageStore): Promise<MessageView> => {
  const message = isId('message', messageId) ? await messages.getMessage(messageId) : undefined;
  if (message === undefined || message === 'abandoned' || message.organizationId !== source.organizationId) {
    throw notFound('message', messageId);
  }
  return {
    messageId: message.id,
    receivedAt: message.receivedAt,
    status: rollUpStatus(message.transmissions.map((transmission) => transmission.status)),
    transmissions: message.transmissions.map((transmission) => ({ ...transmission })),
  };
};
