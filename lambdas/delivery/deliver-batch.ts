import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeEnvelope } from '../shared/domain/envelope';
import type { Destination } from '../shared/domain/model';
import { errorFields } from '../shared/logging';
import { DeliveryFailedError, type DeliveryPorts, deliverRecord } from './deliver-record';

/**
 * Delivers a FIFO batch (all records of one destination queue) strictly in order: the processor
 * stops at the first failure and reports that record and every later one as batchItemFailures.
 */
export const deliverBatch = async (event: SQSEvent, context: Context, ports: DeliveryPorts): Promise<SQSBatchResponse> => {
  const destinations = new Map<string, Promise<Destination>>();
  const destinationOf = (record: SQSRecord) => {
    const { destinationId } = decodeEnvelope(record.body).header;
    if (!destinations.has(destinationId)) {
      destinations.set(
        destinationId,
        ports.directory.getDestination(destinationId).then((destination) => {
          if (!destination) throw new Error(`Destination ${destinationId} does not exist`);
          return destination;
        }),
      );
    }
    return destinations.get(destinationId)!;
  };
  const processor = new SqsFifoPartialProcessorAsync();
  const handleRecord = async (record: SQSRecord) => {
    try {
      await deliverRecord(record, await destinationOf(record), ports);
    } catch (error) {
      // Attempts the endpoint refused are logged where they happen; anything else is logged here.
      if (!(error instanceof DeliveryFailedError)) {
        ports.log.error('Record could not be processed', { sqsMessageId: record.messageId, ...errorFields(error) });
      }
      throw error;
    }
  };
  return processPartialResponse(event, handleRecord, processor, { context });
};
