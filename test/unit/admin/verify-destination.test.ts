import { updateDestination } from '../../../lambdas/admin/destination-settings';
import { createDestination, describeDestination } from '../../../lambdas/admin/directory-admin';
import { resumeNow } from '../../../lambdas/admin/operator-controls';
import { answerOfVerify, verifyDestination } from '../../../lambdas/admin/verify-destination';
import type { Destination, PausedDestination, UnverifiedDestination } from '../../../lambdas/shared/domain/model';
import type { DeliveryRequest } from '../../../lambdas/shared/ports/deliverer';
import type { MemoryDestinationVerifications } from '../../fixtures/memory-verifications';
import { type AdminFixture, activeDestination, adminPorts, organization } from './admin-ports';

/** The fixture with an endpoint that echoes challenges while `echoing` (else answers 404). */
const echoingFixture = (echoing: { on: boolean }) => {
  const fixture = adminPorts();
  const challenges: DeliveryRequest[] = [];
  const ports = {
    ...fixture.ports,
    deliverer: {
      post: async (request: DeliveryRequest) => {
        challenges.push(request);
        if (!echoing.on) return { kind: 'answered' as const, status: 404, durationMs: 1 };
        const { challenge } = JSON.parse(Buffer.from(request.body).toString('utf8')) as { challenge: string };
        return {
          kind: 'answered' as const,
          status: 200,
          durationMs: 1,
          responseExcerpt: JSON.stringify({ challenge }),
        };
      },
    },
  };
  return { ...fixture, ports, challenges };
};

const unverifiedDestination = async (fixture: AdminFixture): Promise<UnverifiedDestination> => {
  const active = await activeDestination(fixture);
  const unverified: UnverifiedDestination = { ...active, status: 'unverified', verify: true };
  fixture.directory.destinations.set(active.id, unverified);
  return unverified;
};

const statusOf = (fixture: AdminFixture, id: string) => fixture.directory.destinations.get(id)?.status;

describe('createDestination with verification', () => {
  it('answers unverified with the failure when the endpoint does not echo the first challenge', async () => {
    const fixture = echoingFixture({ on: false });

    const created = await createDestination(
      organization.id,
      () => ({ name: 'Lab', url: 'https://lab.example/hook', verify: true }),
      fixture.ports,
    );

    expect(created).toMatchObject({
      verify: true,
      status: 'unverified',
      verification: { lastError: 'http_error 404' },
    });
    expect(statusOf(fixture, created.id)).toBe('unverified');
    expect(fixture.challenges.map((request) => request.headers['webhook-id'])).toEqual([
      expect.stringMatching(/^verify_/),
    ]);
  });

  it('follows the deployment default, answers active once echoed, and lets verify: false opt out', async () => {
    const fixture = echoingFixture({ on: true });
    const ports = { ...fixture.ports, verifyDestinations: true };

    const echoed = await createDestination(organization.id, () => ({ name: 'A', url: 'https://lab.example/a' }), ports);
    const plain = await createDestination(
      organization.id,
      () => ({ name: 'B', url: 'https://lab.example/b', verify: false }),
      ports,
    );

    expect(echoed).toMatchObject({ verify: true, status: 'active' });
    expect(statusOf(fixture, echoed.id)).toBe('active');
    expect(plain.status).toBe('active');
    expect(plain).not.toHaveProperty('verify');
    expect(fixture.challenges).toHaveLength(1);
  });

  it('refuses a verify that is not a boolean, naming the field', async () => {
    await expect(
      createDestination(
        organization.id,
        () => ({ name: 'Lab', url: 'https://lab.example/hook', verify: 'yes' }),
        adminPorts().ports,
      ),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('verify') });
  });
});

describe('verifyDestination', () => {
  it('makes an unverified destination active once its endpoint echoes, and answers it', async () => {
    const echoing = { on: false };
    const fixture = echoingFixture(echoing);
    const destination = await unverifiedDestination(fixture);

    const failed = await verifyDestination(destination.id, fixture.ports);
    expect(failed).toEqual({ verified: false, reason: 'http_error 404' });
    expect(() => answerOfVerify(failed)).toThrow(
      expect.objectContaining({ statusCode: 422, code: 'verification_failed' }),
    );
    expect((await describeDestination(destination.id, fixture.ports)).verification).toMatchObject({
      lastError: 'http_error 404',
    });

    echoing.on = true;
    const verified = answerOfVerify(await verifyDestination(destination.id, fixture.ports));
    expect(verified).toMatchObject({ id: destination.id, status: 'active', verify: true });
    expect(verified).not.toHaveProperty('verification');
    expect((fixture.ports.verifications as MemoryDestinationVerifications).desired).toEqual([
      { destinationId: destination.id, desired: 'enabled' },
    ]);
  });

  it('refuses a destination that is not unverified with 409 not_unverified', async () => {
    const fixture = echoingFixture({ on: true });
    const destination = await activeDestination(fixture);

    await expect(verifyDestination(destination.id, fixture.ports)).rejects.toMatchObject({
      statusCode: 409,
      code: 'not_unverified',
    });
    expect(fixture.challenges).toEqual([]);
  });

  it('answers 404 for an unknown id', async () => {
    await expect(verifyDestination('dst_01M7W659P0PJ3VHFG2JZB8M0XT', adminPorts().ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'destination_not_found',
    });
  });
});

describe('a destination created with verification', () => {
  it('becomes unverified when its URL changes, and only then', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    fixture.directory.destinations.set(destination.id, { ...destination, verify: true });

    await updateDestination(destination.id, () => ({ name: 'Renamed', url: destination.url }), fixture.ports);
    expect(statusOf(fixture, destination.id)).toBe('active');
    const changed = await updateDestination(
      destination.id,
      () => ({ url: 'https://lab.example/new', timeoutMs: 2000 }),
      fixture.ports,
    );

    expect(changed).toMatchObject({ url: 'https://lab.example/new', timeoutMs: 2000, status: 'unverified' });
    expect((fixture.ports.verifications as MemoryDestinationVerifications).desired).toEqual([
      { destinationId: destination.id, desired: 'disabled' },
    ]);
  });

  it('keeps a destination without verification active when its URL changes', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);

    const changed = await updateDestination(destination.id, () => ({ url: 'https://lab.example/new' }), fixture.ports);

    expect(changed.status).toBe('active');
  });

  it('refuses a new URL while paused with 409 destination_paused, changing nothing', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    const paused = { ...destination, verify: true, status: 'paused', pause: {} } as unknown as PausedDestination;
    fixture.directory.destinations.set(destination.id, paused);

    await expect(
      updateDestination(destination.id, () => ({ url: 'https://lab.example/new' }), fixture.ports),
    ).rejects.toMatchObject({ statusCode: 409, code: 'destination_paused' });
    expect((fixture.directory.destinations.get(destination.id) as Destination).url).toBe(destination.url);
  });

  it('answers 409 settings_conflict, changing nothing, when its status keeps changing under the new URL', async () => {
    const fixture = adminPorts();
    const destination = await activeDestination(fixture);
    fixture.directory.destinations.set(destination.id, { ...destination, verify: true });
    const verifications = fixture.ports.verifications as MemoryDestinationVerifications;
    // Every conditional write finds another status than the one read (a pause, a resume, …).
    let refusals = 0;
    verifications.changeSettingsUnverified = async () => {
      refusals++;
      return undefined;
    };

    await expect(
      updateDestination(destination.id, () => ({ url: 'https://lab.example/new' }), fixture.ports),
    ).rejects.toMatchObject({ statusCode: 409, code: 'settings_conflict' });
    expect(refusals).toBe(3);
    expect((fixture.directory.destinations.get(destination.id) as Destination).url).toBe(destination.url);
  });

  it('is not made active by a resume while unverified (409 unverified)', async () => {
    const fixture = adminPorts();
    const destination = await unverifiedDestination(fixture);

    await expect(resumeNow(destination.id, fixture.ports)).rejects.toMatchObject({
      statusCode: 409,
      code: 'unverified',
    });
    expect(statusOf(fixture, destination.id)).toBe('unverified');
  });
});
