import { getOrganization, listOrganizations, updateOrganization } from '../../../lambdas/admin/organizations';
import { adminPorts, organization } from './admin-ports';

describe('organizations', () => {
  it('reads, lists and changes only the fields given', async () => {
    const { ports, directory } = adminPorts();

    expect(await getOrganization(organization.id, ports)).toEqual({
      id: organization.id,
      name: 'Lab',
      alertEmail: 'lab@example.org',
    });
    expect((await listOrganizations({}, ports)).items).toEqual([await getOrganization(organization.id, ports)]);
    expect(await updateOrganization(organization.id, () => ({ alertEmail: 'new@example.org' }), ports)).toEqual({
      id: organization.id,
      name: 'Lab',
      alertEmail: 'new@example.org',
    });
    expect(directory.organizations.get(organization.id)).toMatchObject({ name: 'Lab', alertEmail: 'new@example.org' });
  });

  it.each([
    [{}, 'at least one field'],
    [{ name: '  ' }, 'name'],
    [{ alertEmail: 'not an address' }, 'alertEmail'],
    [{ id: 'org_other' }, 'id is not a known field'],
  ])('refuses the change %j with 400, changing nothing', async (body, naming) => {
    const { ports, directory } = adminPorts();

    await expect(updateOrganization(organization.id, () => body, ports)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(naming),
    });
    expect(directory.organizations.get(organization.id)).toEqual(organization);
  });

  it('answers 404 for an unknown organization, before reading the body', async () => {
    const readBody = jest.fn();
    await expect(updateOrganization('org_nope', readBody, adminPorts().ports)).rejects.toMatchObject({
      statusCode: 404,
      code: 'organization_not_found',
    });
    expect(readBody).not.toHaveBeenCalled();
  });
});
