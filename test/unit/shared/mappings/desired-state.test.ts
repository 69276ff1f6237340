import {
  desiredMappingOf,
  destinationIdOfQueue,
  headingOf,
  isSettled,
} from '../../../../lambdas/shared/mappings/desired-state';
import { setUp } from '../../../fixtures/pause-harness';

describe('desired mapping state', () => {
  it('asks for the mapping enabled while active and disabled while paused or unverified', () => {
    const { destination } = setUp();
    expect(desiredMappingOf(destination)).toBe('enabled');
    expect(desiredMappingOf({ ...destination, status: 'paused', pause: {} as never })).toBe('disabled');
    expect(desiredMappingOf({ ...destination, status: 'unverified', pause: undefined })).toBe('disabled');
  });

  it('tells settled states from changing ones, and where a change is heading', () => {
    expect(
      ['Enabled', 'Disabled', 'Enabling', 'Disabling', 'Creating', 'Updating', 'Deleting'].filter((state) =>
        isSettled(state as never),
      ),
    ).toEqual(['Enabled', 'Disabled']);
    expect(headingOf('Enabling')).toBe('enabled');
    expect(headingOf('Disabling')).toBe('disabled');
    expect(headingOf('Updating')).toBeUndefined();
  });

  it('finds the destination in the name of its queue, and nothing in another queue', () => {
    expect(
      destinationIdOfQueue('arn:aws:sqs:eu-west-1:123456789012:conveyor-prod-dst_01JD0000000000000000000000.fifo'),
    ).toBe('dst_01JD0000000000000000000000');
    expect(
      destinationIdOfQueue('arn:aws:sqs:eu-west-1:123456789012:conveyor-prod-dst_01JD0000000000000000000000'),
    ).toBeUndefined();
    expect(destinationIdOfQueue('arn:aws:sqs:eu-west-1:123456789012:orders.fifo')).toBeUndefined();
  });
});
