import { z } from 'zod';

/**
 * What a destination queue carries for one transmission: a JSON header line, a newline, then the
 * payload's `data` exactly as the integrator sent it (JSON.stringify never emits a raw newline, so
 * the first newline always ends the header).
 */
export const envelopeHeaderSchema = z.object({
  v: z.literal(1),
  messageId: z.string(),
  transmissionId: z.string(),
  destinationId: z.string(),
  sourceId: z.string(),
  dataModel: z.string(),
  eventType: z.string(),
  receivedAt: z.string(),
  /** 0 for the original entry; n for the n-th replay of the transmission. */
  generation: z.number().int().min(0).optional(),
});
export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;

export const encodeEnvelope = (header: EnvelopeHeader, rawData: string): string =>
  `${JSON.stringify(header)}\n${rawData}`;

export const decodeEnvelope = (body: string): { header: EnvelopeHeader; rawData: string } => {
  const newline = body.indexOf('\n');
  if (newline < 0) throw new Error('Queue message is not a Conveyor envelope');
  return {
    header: envelopeHeaderSchema.parse(JSON.parse(body.slice(0, newline))),
    rawData: body.slice(newline + 1),
  };
};

/** The body POSTed to a destination (see RECEIVE in the contract), with `data` spliced in verbatim. */
export const deliveryBody = (header: EnvelopeHeader, sequence: number, rawData: string): string => {
  const meta = {
    messageId: header.messageId,
    transmissionId: header.transmissionId,
    dataModel: header.dataModel,
    eventType: header.eventType,
    receivedAt: header.receivedAt,
    sequence,
  };
  return `{"meta":${JSON.stringify(meta)},"data":${rawData}}`;
};
