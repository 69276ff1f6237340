import { Webhook } from 'standardwebhooks';
import { type DeliveryPorts, deliverTransmission } from '../../../../lambdas/shared/transmissions/deliver-transmission';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeReferenceEnvelope,
  type PayloadReference,
} from '../../../../lambdas/shared/domain/envelope';
import { newId, newSigningSecret, transmissionIdOf } from '../../../../lambdas/shared/domain/ids';
import type { ActiveDestination, Message } from '../../../../lambdas/shared/domain/model';
import type { DeliveryOutcome, DeliveryRequest } from '../../../../lambdas/shared/ports/deliverer';
import { recordingMeter } from '../../../fixtures/meter';
import {
  MemoryDirectory,
  MemoryMessageStore,
  MemoryPayloadStore,
  MemoryPayloadArchive,
} from '../../../fixtures/memory-store';

// A fixed clock at the real time, so that signatures verify against the wall clock.
const now = new Date();

const destination: ActiveDestination = {
  id: newId('destination'),
  organizationId: newId('organization'),
  name: 'Lab',
  url: 'https://lab.example/hook',
  timeoutMs: 5000,
  signingSecret: newSigningSecret(),
  inlineRetries: 2,
  status: 'active',
  createdAt: now.toISOString(),
  queueUrl: 'queue',
  queueArn: 'arn',
  mappingId: 'mapping-1',
};

const newMessage = (): Message => {
  const id = newId('message');
  return {
    id,
    sourceId: 'src_1',
    organizationId: destination.organizationId,
    receivedAt: now.toISOString(),
    dataModel: 'PatientAdmin',
    eventType: 'Arrival',
    transmissions: [{ id: transmissionIdOf(id, 0), destinationId: destination.id, status: 'queued', attempts: 0 }],
  };
};

const recordOf = (message: Message, rawData = '{"mrn": 1.0}'): string =>
  encodeEnvelope(
    {
      v: 1,
      messageId: message.id,
      transmissionId: message.transmissions[0]!.id,
      destinationId: destination.id,
      sourceId: message.sourceId,
      dataModel: message.dataModel,
      eventType: message.eventType,
      receivedAt: message.receivedAt,
    },
    rawData,
  );

const setUp = (answers: DeliveryOutcome[]) => {
  const messages = new MemoryMessageStore();
  const posted: DeliveryRequest[] = [];
  let clock = now.getTime();
  const naps: number[] = [];
  const meter = recordingMeter();
  const payloads = new MemoryPayloadStore();
  const ports: DeliveryPorts = {
    meter,
    payloads,
    archive: new MemoryPayloadArchive(payloads),
    directory: new MemoryDirectory(),
    messages,
    deliverer: {
      post: async (request) => {
        posted.push(request);
        return answers.shift() ?? { kind: 'answered', status: 200, durationMs: 5 };
      },
    },
    clock: () => new Date(clock),
    log: { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as DeliveryPorts['log'],
    sleep: async (ms) => {
      naps.push(ms);
      clock += ms;
    },
    commitGraceMs: 30_000,
    retryBackoffMs: 1000,
    retryCapMs: 5000,
  };
  return { ports, payloads, messages, posted, naps, meter, archive: ports.archive as MemoryPayloadArchive };
};

/** The same ports, with an archive that refuses to keep anything (S3 denies the write). */
const withArchiveRefusing = (ports: DeliveryPorts): DeliveryPorts => ({
  ...ports,
  archive: { keep: async () => Promise.reject(new Error('AccessDenied')), restore: async () => undefined },
});

/** When the entry was enqueued (its SQS SentTimestamp), as the queue reports it. */
const SENT_AT = '2026-01-01T00:00:00.000Z';
const once = { inlineRetries: 0, sentAt: SENT_AT };

describe('deliverTransmission', () => {
  it('posts the contract body and headers and records the arrival', async () => {
    const { ports, messages, posted, meter } = setUp([{ kind: 'answered', status: 204, durationMs: 12 }]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(await deliverTransmission(recordOf(message), destination, ports, once)).toEqual({
      kind: 'delivered',
      kept: expect.any(Promise),
    });
    expect(meter.recorded).toEqual([
      { name: 'EndpointResponseTime', value: 12 },
      { name: 'TransmissionsDelivered', value: 1 },
      { name: 'DeliveryLatency', value: now.getTime() - Date.parse(message.receivedAt) },
    ]);

    expect(posted).toHaveLength(1);
    const [request] = posted;
    expect(request!.url).toBe(destination.url);
    expect(request!.timeoutMs).toBe(5000);
    expect(String(request!.body)).toContain('"data":{"mrn": 1.0}');
    expect(request!.headers['conveyor-sequence']).toBe('1');
    expect(request!.headers['webhook-id']).toBe(message.transmissions[0]!.id);
    expect(() =>
      new Webhook(destination.signingSecret).verify(request!.body as Buffer, request!.headers),
    ).not.toThrow();
    expect(messages.arrivals).toEqual([
      {
        messageId: message.id,
        transmissionId: message.transmissions[0]!.id,
        destinationId: destination.id,
        sequence: 1,
        arrivedAt: now.toISOString(),
        attempts: 1,
        // The delivering attempt, recorded in the same write (the attempt log reads it there).
        status: 204,
        durationMs: 12,
      },
    ]);
  });

  it("records when the entry it delivers was enqueued with its sequence number: the age of the queue's head", async () => {
    const { ports, messages } = setUp([]);
    const message = newMessage();
    await messages.commitMessage(message);

    await deliverTransmission(recordOf(message), destination, ports, {
      inlineRetries: 0,
      sentAt: '2025-12-20T08:00:00.000Z',
    });

    expect(messages.counters.get(destination.id)).toEqual({
      last: 1,
      holder: message.transmissions[0]!.id,
      headSentAt: '2025-12-20T08:00:00.000Z',
    });
  });

  it.each([
    [{ kind: 'answered', status: 500, durationMs: 3 } as const, 'HTTP 500'],
    [{ kind: 'answered', status: 302, durationMs: 3 } as const, 'HTTP 302'],
    [{ kind: 'answered', status: 400, durationMs: 3 } as const, 'HTTP 400'],
    [{ kind: 'unreachable', reason: 'timeout', durationMs: 5000 } as const, 'timeout'],
    [{ kind: 'unreachable', reason: 'connection', durationMs: 1 } as const, 'connection error'],
  ])('records %j as a failed attempt', async (outcome, reason) => {
    const { ports, messages } = setUp([outcome]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(await deliverTransmission(recordOf(message), destination, ports, once)).toMatchObject({
      kind: 'failed',
      reason,
    });

    expect(messages.failedAttempts).toEqual([{ transmissionId: message.transmissions[0]!.id, error: reason }]);
    expect(messages.arrivals).toHaveLength(0);
  });

  it('retries with the same webhook-id and sequence number, and the next message gets the next number', async () => {
    const { ports, messages, posted } = setUp([{ kind: 'answered', status: 503, durationMs: 3 }]);
    const [first, second] = [newMessage(), newMessage()];
    await messages.commitMessage(first);
    await messages.commitMessage(second);

    expect(await deliverTransmission(recordOf(first), destination, ports, once)).toMatchObject({ kind: 'failed' });
    await deliverTransmission(recordOf(first), destination, ports, once);
    await deliverTransmission(recordOf(second), destination, ports, once);

    expect(posted.map((request) => [request.headers['webhook-id'], request.headers['conveyor-sequence']])).toEqual([
      [first.transmissions[0]!.id, '1'],
      [first.transmissions[0]!.id, '1'],
      [second.transmissions[0]!.id, '2'],
    ]);
    expect(messages.arrivals.map((arrival) => arrival.attempts)).toEqual([2, 1]);
  });

  it('drops a duplicate queue entry of a delivered transmission without posting', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();
    await messages.commitMessage(message);
    await deliverTransmission(recordOf(message), destination, ports, once);

    expect(await deliverTransmission(recordOf(message), destination, ports, once)).toEqual({ kind: 'dropped' });
    expect(posted).toHaveLength(1);
    // The arrival is written again in case its log entry was the write that was lost: from the
    // transmission alone, without the delivering attempt's details (the adapter keeps those).
    expect(messages.arrivals).toHaveLength(2);
    const { status: _status, durationMs: _durationMs, ...recorded } = messages.arrivals[0]!;
    expect(messages.arrivals[1]).toEqual(recorded);
  });

  it('uses the message read with its batch instead of reading it again', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();
    await messages.commitMessage(message);
    const getMessage = jest.spyOn(messages, 'getMessage');

    expect(await deliverTransmission(recordOf(message), destination, ports, { ...once, known: message })).toEqual({
      kind: 'delivered',
      kept: expect.any(Promise),
    });
    expect(getMessage).not.toHaveBeenCalled();
    expect(posted).toHaveLength(1);
  });

  it('waits for a message the ingest has not recorded yet, then delivers it', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();
    const sleep = ports.sleep;
    let naps = 0;
    const waiting = {
      ...ports,
      sleep: async (ms: number) => {
        naps++;
        if (naps === 3) await messages.commitMessage(message);
        await sleep(ms);
      },
    };

    await deliverTransmission(recordOf(message), destination, waiting, once);

    expect(naps).toBe(3);
    expect(posted).toHaveLength(1);
  });

  it('drops a copy whose message was never recorded once the grace period is over, and never delivers it', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();

    expect(await deliverTransmission(recordOf(message), destination, ports, once)).toEqual({ kind: 'dropped' });

    expect(posted).toHaveLength(0);
    expect(await messages.getMessage(message.id)).toBe('abandoned');
    // A late commit can no longer make it deliverable.
    expect(await messages.abandonMessage(message.id)).toBe(true);
  });

  it('drops a copy of a message the ingest marked abandoned, without waiting', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();
    await messages.abandonMessage(message.id);
    const sleep = jest.fn(ports.sleep);

    await deliverTransmission(recordOf(message), destination, { ...ports, sleep }, once);

    expect(posted).toHaveLength(0);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('retries a transient failure in place with a doubling backoff, keeping the sequence number', async () => {
    const { ports, messages, posted, naps, meter } = setUp([
      { kind: 'answered', status: 503, durationMs: 1 },
      { kind: 'unreachable', reason: 'timeout', durationMs: 5000 },
    ]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(
      await deliverTransmission(recordOf(message), destination, ports, { inlineRetries: 2, sentAt: SENT_AT }),
    ).toEqual({ kind: 'delivered', kept: expect.any(Promise) });
    expect([meter.total('FailedAttempts'), meter.total('TransmissionsDelivered')]).toEqual([2, 1]);

    expect(naps).toEqual([1000, 2000]);
    expect(posted.map((request) => request.headers['conveyor-sequence'])).toEqual(['1', '1', '1']);
    expect(messages.arrivals[0]!.attempts).toBe(3);
  });

  it('gives up after the inline retries', async () => {
    const fail = { kind: 'answered', status: 500, durationMs: 1 } as const;
    const { ports, messages, posted } = setUp([fail, fail, fail, fail]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(
      await deliverTransmission(recordOf(message), destination, ports, { inlineRetries: 2, sentAt: SENT_AT }),
    ).toMatchObject({ kind: 'failed', reason: 'HTTP 500' });
    expect(posted).toHaveLength(3);
  });

  it('does not retry a refusal (4xx other than 408 and 429)', async () => {
    const { ports, messages, posted } = setUp([{ kind: 'answered', status: 422, durationMs: 1 }]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(
      await deliverTransmission(recordOf(message), destination, ports, { inlineRetries: 2, sentAt: SENT_AT }),
    ).toMatchObject({ kind: 'failed', reason: 'HTTP 422' });
    expect(posted).toHaveLength(1);
  });

  it('honours Retry-After up to the cap', async () => {
    const { ports, messages, naps } = setUp([
      { kind: 'answered', status: 429, durationMs: 1, retryAfter: '2' },
      { kind: 'answered', status: 429, durationMs: 1, retryAfter: '120' },
    ]);
    const message = newMessage();
    await messages.commitMessage(message);

    expect(
      await deliverTransmission(recordOf(message), destination, ports, { inlineRetries: 2, sentAt: SENT_AT }),
    ).toEqual({ kind: 'delivered', kept: expect.any(Promise) });
    expect(naps).toEqual([2000, 5000]);
  });

  it('starts no retry that could not finish in the time left', async () => {
    const { ports, messages, posted } = setUp([{ kind: 'answered', status: 503, durationMs: 1 }]);
    const message = newMessage();
    await messages.commitMessage(message);

    const result = await deliverTransmission(recordOf(message), destination, ports, {
      inlineRetries: 2,
      sentAt: SENT_AT,
      remainingMs: () => 6000,
    });

    expect(result).toMatchObject({ kind: 'failed' });
    expect(posted).toHaveLength(1);
  });

  it('delivers a replay with a new sequence number and drops the superseded copy', async () => {
    const { ports, messages, posted } = setUp([]);
    const message = newMessage();
    const transmissionId = message.transmissions[0]!.id;
    await messages.commitMessage(message);
    await messages.reserveSequence(destination.id, transmissionId, SENT_AT); // the skipped head held number 1
    await messages.setTransmissionStatus(message.id, transmissionId, 'skipped', ['queued']);
    await messages.park(transmissionId, destination.id, recordOf(message));
    const generation = await messages.prepareReplay(message.id, transmissionId);
    const replay = encodeEnvelope({ ...decodeEnvelope(recordOf(message)).header, generation }, '{"mrn": 1.0}');

    expect(await deliverTransmission(recordOf(message), destination, ports, once)).toEqual({ kind: 'dropped' });
    expect(await deliverTransmission(replay, destination, ports, once)).toEqual({
      kind: 'delivered',
      kept: expect.any(Promise),
    });

    expect(posted.map((request) => [request.headers['webhook-id'], request.headers['conveyor-sequence']])).toEqual([
      [transmissionId, '2'],
    ]);
    expect(messages.parked.has(transmissionId)).toBe(false);
  });

  it('logs every attempt, inline retries included, in order: the failures as they fail, the delivering one with the arrival', async () => {
    const { ports, messages } = setUp([
      { kind: 'answered', status: 503, durationMs: 30, responseExcerpt: 'MARKER busy' },
      { kind: 'unreachable', reason: 'timeout', durationMs: 5000 },
      { kind: 'answered', status: 200, durationMs: 8, responseExcerpt: 'MARKER accepted' },
    ]);
    const message = newMessage();
    const transmissionId = message.transmissions[0]!.id;
    await messages.commitMessage(message);

    expect(
      await deliverTransmission(recordOf(message), destination, ports, { inlineRetries: 2, sentAt: SENT_AT }),
    ).toEqual({ kind: 'delivered', kept: expect.any(Promise) });

    expect(await messages.listFailedAttempts(message.id, transmissionId, 50)).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'http_error',
        status: 503,
        durationMs: 30,
        responseExcerpt: 'MARKER busy',
      }),
      { attempt: 2, at: expect.any(String), outcome: 'timeout', durationMs: 5000 },
    ]);
    expect(messages.arrivals).toEqual([
      expect.objectContaining({ attempts: 3, status: 200, durationMs: 8, responseExcerpt: 'MARKER accepted' }),
    ]);
    // The excerpt goes nowhere else: not into a log line.
    const logged = JSON.stringify(
      [ports.log.info, ports.log.warn, ports.log.error].map((fn) => (fn as jest.Mock).mock.calls),
    );
    expect(logged).toContain('Delivery attempt failed');
    expect(logged).not.toContain('MARKER');
  });

  it('hands a failure on without the answer’s excerpt', async () => {
    const { ports, messages } = setUp([{ kind: 'answered', status: 400, durationMs: 3, responseExcerpt: 'MARKER' }]);
    const message = newMessage();
    await messages.commitMessage(message);

    const result = await deliverTransmission(recordOf(message), destination, ports, once);

    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'answered', status: 400 } });
    expect(JSON.stringify(result)).not.toContain('MARKER');
  });

  it('keeps the delivered payload for redelivery, as sent, once the caller awaits it', async () => {
    const { ports, messages, archive } = setUp([]);
    const message = newMessage();
    await messages.commitMessage(message);

    const result = await deliverTransmission(
      recordOf(message, '{"mrn": 1.0, "name": "Zoë"}'),
      destination,
      ports,
      once,
    );

    expect(result.kind).toBe('delivered');
    if (result.kind === 'delivered') await result.kept;
    expect(archive.kept.get(message.id)).toBe('{"mrn": 1.0, "name": "Zoë"}');
  });

  it('keeps a payload from the payload store by its reference', async () => {
    const { ports, messages, archive } = setUp([]);
    const message = newMessage();
    await messages.commitMessage(message);
    const reference = await ports.payloads.put(message.id, '{"large": true}');
    const [header] = recordOf(message).split('\n');
    const body = `${JSON.stringify({ ...JSON.parse(header!), dataRef: reference })}\n`;

    const result = await deliverTransmission(body, destination, ports, once);

    if (result.kind === 'delivered') await result.kept;
    expect(archive.kept.get(message.id)).toBe('{"large": true}');
  });

  it('delivers even when the payload cannot be kept: logged and counted, never thrown', async () => {
    const { ports, messages, meter } = setUp([]);
    const failing = withArchiveRefusing(ports);
    const message = newMessage();
    await messages.commitMessage(message);

    const result = await deliverTransmission(recordOf(message), destination, failing, once);

    expect(result.kind).toBe('delivered');
    if (result.kind === 'delivered') await expect(result.kept).resolves.toBeUndefined();
    expect(meter.recorded).toContainEqual({ name: 'PayloadsNotKept', value: 1 });
    expect(ports.log.error).toHaveBeenCalledWith(
      'Delivered payload could not be kept for redelivery',
      expect.objectContaining({ messageId: message.id, errorMessage: 'AccessDenied' }),
    );
  });

  describe('the in-flight copy of a large payload', () => {
    const twoDestinationMessage = (): Message => {
      const message = newMessage();
      return {
        ...message,
        transmissions: [
          ...message.transmissions,
          { id: transmissionIdOf(message.id, 1), destinationId: 'dst_other', status: 'queued', attempts: 0 },
        ],
      };
    };
    const referencedRecord = (message: Message, key: string, index = 0) => {
      const [header] = recordOf(message).split('\n');
      const transmission = message.transmissions[index]!;
      return `${JSON.stringify({ ...JSON.parse(header!), transmissionId: transmission.id, destinationId: transmission.destinationId, dataRef: key })}\n`;
    };

    it('stays while another transmission of the message is still to be delivered, and goes with the last delivery', async () => {
      const { ports, payloads, messages, archive } = setUp([]);
      const message = twoDestinationMessage();
      await messages.commitMessage(message);
      const key = await ports.payloads.put(message.id, '{"large": true}');

      const first = await deliverTransmission(referencedRecord(message, key), destination, ports, once);
      if (first.kind === 'delivered') await first.kept;
      expect(payloads.objects.has(key)).toBe(true);

      const other = { ...destination, id: 'dst_other' };
      const last = await deliverTransmission(referencedRecord(message, key, 1), other, ports, once);
      expect(last.kind).toBe('delivered');
      if (last.kind === 'delivered') await last.kept;
      expect(payloads.objects.has(key)).toBe(false);
      expect(archive.kept.get(message.id)).toBe('{"large": true}');
    });

    it('goes after the delivery that settles the message, once the payload is kept', async () => {
      const { ports, payloads, messages, archive } = setUp([]);
      const message = newMessage();
      await messages.commitMessage(message);
      const key = await ports.payloads.put(message.id, '{"large": true}');

      const result = await deliverTransmission(referencedRecord(message, key), destination, ports, once);
      if (result.kind === 'delivered') await result.kept;

      expect(archive.kept.get(message.id)).toBe('{"large": true}');
      expect(payloads.objects.has(key)).toBe(false);
    });

    it('stays when the payload could not be kept (its only copy)', async () => {
      const { ports, payloads, messages } = setUp([]);
      const failing = withArchiveRefusing(ports);
      const message = newMessage();
      await messages.commitMessage(message);
      const key = await ports.payloads.put(message.id, '{"large": true}');

      const result = await deliverTransmission(referencedRecord(message, key), destination, failing, once);
      if (result.kind === 'delivered') await result.kept;

      expect(payloads.objects.has(key)).toBe(true);
    });
  });

  describe('a payload kept in the payload store (an upload)', () => {
    const referenceRecordOf = (message: Message, reference: PayloadReference) =>
      encodeReferenceEnvelope(
        {
          v: 1,
          messageId: message.id,
          transmissionId: message.transmissions[0]!.id,
          destinationId: destination.id,
          sourceId: message.sourceId,
          dataModel: message.dataModel,
          eventType: message.eventType,
          receivedAt: message.receivedAt,
        },
        reference,
      );

    it('reads it by its reference, ETag included, and POSTs its bytes verbatim, signed', async () => {
      const { ports, messages, posted } = setUp([]);
      const message = newMessage();
      await messages.commitMessage(message);
      const data = '{"name":"Zoë 😀","n":1.50}';
      const read: PayloadReference[] = [];
      ports.payloads.get = async (reference) => {
        read.push(reference);
        return Buffer.from(data);
      };
      const reference = { key: 'uploads/src_1/upl_1', bytes: Buffer.byteLength(data), etag: '"e1"' };

      expect(await deliverTransmission(referenceRecordOf(message, reference), destination, ports, once)).toEqual({
        kind: 'delivered',
        kept: expect.any(Promise),
      });

      expect(read).toEqual([reference]);
      const body = posted[0]!.body as Buffer;
      expect(body.toString('utf8').endsWith(`"data":${data}}`)).toBe(true);
      expect(() => new Webhook(destination.signingSecret).verify(body, posted[0]!.headers)).not.toThrow();
      // Small: the destination's own timeout.
      expect(posted[0]!.timeoutMs).toBe(5000);
    });

    it('gives a body beyond 1 MiB more time, at 1 MB/s, on every attempt', async () => {
      const { ports, messages, posted } = setUp([{ kind: 'unreachable', reason: 'timeout', durationMs: 1 }]);
      const message = newMessage();
      await messages.commitMessage(message);
      const data = `"${'x'.repeat(3_000_000)}"`;
      ports.payloads.get = async () => Buffer.from(data);

      await deliverTransmission(referenceRecordOf(message, { key: 'uploads/src_1/upl_1' }), destination, ports, {
        inlineRetries: 1,
        sentAt: SENT_AT,
      });

      const bodyBytes = (posted[0]!.body as Buffer).length;
      const expected = 5000 + Math.ceil((bodyBytes - 1024 * 1024) / 1000);
      expect(posted.map((request) => request.timeoutMs)).toEqual([expected, expected]);
    });
  });

  describe('paced by the destination’s maxPerSecond', () => {
    const paced = { ...destination, maxPerSecond: 5 }; // one start every 200 ms
    /** The clock (ms) at each POST. */
    const postTimes = (ports: DeliveryPorts) => {
      const times: number[] = [];
      const post = ports.deliverer.post;
      (ports as { deliverer: DeliveryPorts['deliverer'] }).deliverer = {
        post: async (request: DeliveryRequest) => {
          times.push(ports.clock().getTime());
          return post(request);
        },
      };
      return times;
    };

    it('spaces the starts of back-to-back deliveries by 1000 / maxPerSecond ms, waiting with the injected sleep', async () => {
      const { ports, messages, naps } = setUp([]);
      const times = postTimes(ports);
      const queued = [newMessage(), newMessage(), newMessage()];
      for (const message of queued) await messages.commitMessage(message);

      for (const message of queued) await deliverTransmission(recordOf(message), paced, ports, once);

      expect(times.map((time) => time - now.getTime())).toEqual([0, 200, 400]);
      expect(naps).toEqual([200, 200]);
      expect(messages.arrivals.map((arrival) => arrival.sequence)).toEqual([1, 2, 3]);
    });

    it('does not wait when the previous start is an interval old already', async () => {
      const { ports, messages, naps } = setUp([]);
      const [first, second] = [newMessage(), newMessage()];
      await messages.commitMessage(first);
      await messages.commitMessage(second);

      await deliverTransmission(recordOf(first), paced, ports, once);
      await ports.sleep(250); // the receiver was left alone longer than the interval
      await deliverTransmission(recordOf(second), paced, ports, once);

      expect(naps).toEqual([250]);
    });

    it('defers, without posting, a start the invocation has no room for; its next try keeps that start', async () => {
      const slow = { ...destination, maxPerSecond: 0.1 }; // one start every 10 s
      const { ports, messages, naps } = setUp([]);
      const times = postTimes(ports);
      const [first, second] = [newMessage(), newMessage()];
      await messages.commitMessage(first);
      await messages.commitMessage(second);
      await deliverTransmission(recordOf(first), slow, ports, once);

      const deferred = await deliverTransmission(recordOf(second), slow, ports, {
        ...once,
        remainingMs: () => 12_000, // less than 10 s of waiting + the 5 s timeout + the recording margin
      });
      expect(deferred).toEqual({ kind: 'deferred', postAt: now.getTime() + 10_000 });
      expect(times).toHaveLength(1);

      await ports.sleep(3000); // the record comes back later, in another invocation
      expect(await deliverTransmission(recordOf(second), slow, ports, once)).toMatchObject({ kind: 'delivered' });
      expect(naps).toEqual([3000, 7000]);
      expect(times.map((time) => time - now.getTime())).toEqual([0, 10_000]);
      expect(messages.arrivals.map((arrival) => arrival.sequence)).toEqual([1, 2]);
    });

    it('waits at least the interval before an inline retry, which the receiver counts too', async () => {
      const { ports, messages, naps } = setUp([{ kind: 'answered', status: 503, durationMs: 1 }]);
      const message = newMessage();
      await messages.commitMessage(message);

      await deliverTransmission(recordOf(message), { ...destination, maxPerSecond: 0.5 }, ports, {
        inlineRetries: 1,
        sentAt: SENT_AT,
      });

      expect(naps).toEqual([2000]); // not the 1000 ms backoff
    });

    it('makes the next delivery follow the start of the last retry, not of the first attempt', async () => {
      const { ports, messages } = setUp([{ kind: 'answered', status: 503, durationMs: 1 }]);
      const times = postTimes(ports);
      const [first, second] = [newMessage(), newMessage()];
      await messages.commitMessage(first);
      await messages.commitMessage(second);

      await deliverTransmission(recordOf(first), paced, ports, { inlineRetries: 1, sentAt: SENT_AT });
      await deliverTransmission(recordOf(second), paced, ports, once);

      // The retry waits the 1000 ms backoff; the next start is 200 ms after the retry.
      expect(times.map((time) => time - now.getTime())).toEqual([0, 1000, 1200]);
    });
  });
});
