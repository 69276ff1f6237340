import { listAudit } from '../../../lambdas/admin/audit-listing';
import { adminPorts } from './admin-ports';

const setUp = async () => {
  const fixture = adminPorts();
  for (const [at, target] of [
    ['2025-12-30T10:00:00.000Z', 'org_1'],
    ['2025-12-31T10:00:00.000Z', 'src_1'],
    ['2025-12-31T11:00:00.000Z', 'org_1'],
  ] as const) {
    await fixture.ports.audit.append({ at, actor: 'local-admin', action: 'organization.update', target });
  }
  return fixture;
};

describe('listAudit', () => {
  it('answers newest first, page by page, by target and within [since, until)', async () => {
    const { ports } = await setUp();

    const first = await listAudit({ limit: '2' }, ports);
    expect(first.items.map((entry) => entry.at)).toEqual(['2025-12-31T11:00:00.000Z', '2025-12-31T10:00:00.000Z']);
    const second = await listAudit({ limit: '2', cursor: first.cursor }, ports);
    expect(second).toEqual({ items: [expect.objectContaining({ at: '2025-12-30T10:00:00.000Z' })] });
    expect((await listAudit({ target: 'org_1' }, ports)).items).toHaveLength(2);
    const window = await listAudit({ since: '2025-12-31', until: '2025-12-31T11:00:00Z' }, ports);
    expect(window.items.map((entry) => entry.target)).toEqual(['src_1']);
  });

  it.each([
    [{ since: 'yesterday' }, 'since'],
    [{ until: '2025-12-31T25:00:00Z' }, 'until'],
    [{ since: '2025-12-31', until: '2025-12-31' }, 'since must be before until'],
    [{ target: '../etc' }, 'target'],
  ])('refuses %j with 400 naming the parameter', async (query, naming) => {
    const { ports } = await setUp();
    await expect(listAudit(query, ports)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(naming),
    });
  });
});
