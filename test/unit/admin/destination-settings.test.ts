import { listDestinations, updateDestination } from '../../../lambdas/admin/destination-settings';
import type { PausedDestination } from '../../../lambdas/shared/domain/model';
import { activeDestination, adminPorts, organization } from './admin-ports';

const pausedAt = (destination: PausedDestination['pause']['pausedAt']) => destination;

describe('listDestinations', () => {
  it('lists paused destinations oldest pause first, and never one being provisioned', async () => {
    const fixture = adminPorts();
    const [a, b, c] = [
      await activeDestination(fixture),
      await activeDestination(fixture),
      await activeDestination(fixture),
    ];
    const pause = (id: string, at: string) => {
      const destination = fixture.directory.destinations.get(id)!;
      fixture.directory.destinations.set(id, {
        ...destination,
        status: 'paused',
        pause: { pausedAt: pausedAt(at), reason: 'HTTP 500' } as PausedDestination['pause'],
      } as PausedDestination);
    };
    pause(b!.id, '2026-01-01T00:00:02.000Z');
    pause(c!.id, '2026-01-01T00:00:01.000Z');
    fixture.directory.destinations.set('dst_provisioning', {
      ...a!,
      id: 'dst_provisioning',
      status: 'provisioning',
    } as never);

    const paused = await listDestinations({ status: 'paused', limit: '1' }, fixture.ports);
    expect(paused.items).toEqual([
      {
        id: c!.id,
        organizationId: organization.id,
        name: 'Lab results',
        url: 'https://lab.example/hook',
        status: 'paused',
        pausedAt: '2026-01-01T00:00:01.000Z',
        pauseReason: 'HTTP 500',
      },
    ]);
    const next = await listDestinations({ status: 'paused', cursor: paused.cursor }, fixture.ports);
    expect(next.items.map((item) => item.id)).toEqual([b!.id]);
    expect(next.cursor).toBeUndefined();
    const all = await listDestinations({}, fixture.ports);
    expect(all.items.map((item) => item.id).sort()).toEqual([a!.id, b!.id, c!.id].sort());
  });

  it('refuses an unknown status with 400 naming status', async () => {
    await expect(listDestinations({ status: 'deleted' }, adminPorts().ports)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('status'),
    });
  });
});

describe('updateDestination', () => {
  it('changes only the named settings, checking a new URL against the policy, and answers the destination', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);

    const answer = await updateDestination(
      destination.id,
      () => ({ url: 'https://new.example/hook', inlineRetries: 3 }),
      fixture.ports,
    );

    expect(answer).toMatchObject({
      id: destination.id,
      url: 'https://new.example/hook',
      inlineRetries: 3,
      name: 'Lab results',
    });
    expect(fixture.directory.destinations.get(destination.id)).toMatchObject({
      url: 'https://new.example/hook',
      inlineRetries: 3,
      timeoutMs: destination.timeoutMs,
      queueUrl: destination.queueUrl,
    });
  });

  it.each([
    [{}, 'at least one field'],
    [{ colour: 'red' }, 'colour'],
    [{ timeoutMs: 31_000 }, 'timeoutMs'],
    [{ url: 'http://insecure.example/hook' }, 'url'],
    [{ maxPerSecond: 0 }, 'maxPerSecond'],
    [{ maxPerSecond: -5 }, 'maxPerSecond'],
    [{ maxPerSecond: 0.001 }, 'maxPerSecond'],
    [{ maxPerSecond: 1001 }, 'maxPerSecond'],
    [{ maxPerSecond: '5' }, 'maxPerSecond'],
    [{ maxPerSecond: true }, 'maxPerSecond'],
  ])('refuses %j with 400 and changes nothing', async (body, naming) => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);

    await expect(updateDestination(destination.id, () => body, fixture.ports)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(naming),
    });
    expect(fixture.directory.destinations.get(destination.id)).toEqual(destination);
  });

  it('sets a maxPerSecond, shows it, and removes it on null', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);

    expect(await updateDestination(destination.id, () => ({ maxPerSecond: 2.5 }), fixture.ports)).toMatchObject({
      maxPerSecond: 2.5,
    });
    expect((await listDestinations({}, fixture.ports)).items[0]).toMatchObject({ maxPerSecond: 2.5 });

    const removed = await updateDestination(destination.id, () => ({ maxPerSecond: null }), fixture.ports);
    expect(removed).not.toHaveProperty('maxPerSecond');
    expect(fixture.directory.destinations.get(destination.id)).not.toHaveProperty('maxPerSecond');
  });

  it('answers 404 for an unknown destination', async () => {
    await expect(updateDestination('dst_nope', () => ({ name: 'x' }), adminPorts().ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'destination_not_found',
    });
  });
});
