import { describe, expect, it } from 'vitest';
import { parseTrafficSettings, plannedRecords } from '../../../../../functions/core/dr/traffic/settings.ts';
import { expectFailure } from '../../../support/rejection.ts';
import { DNS, localTrafficSettings } from './local-traffic.ts';

const VALID = localTrafficSettings(DNS, 'ZLOCAL');
const parse = (value: unknown) => () => parseTrafficSettings(JSON.stringify(value));

describe('parseTrafficSettings (DR_TRAFFIC)', () => {
  it('reads the zone and records, CNAME by default', () => {
    const { type: _, ...untyped } = VALID.records[0]!;
    const settings = parseTrafficSettings(JSON.stringify({ ...VALID, records: [untyped] }));
    expect(settings.records[0]).toEqual(VALID.records[0]);
  });

  it('plans the drill names in a drill and the production names otherwise', () => {
    expect(plannedRecords(VALID, 'drill').map((record) => record.name)).toEqual(
      Object.values(DNS.drillRecords),
    );
    expect(plannedRecords(VALID, 'real').map((record) => record.name)).toEqual(Object.values(DNS.records));
  });

  it.each([
    [
      'a record without its drill name',
      { ...VALID, records: [{ ...VALID.records[0], drillName: undefined }] },
      'records[0].drillName',
    ],
    ['no records', { ...VALID, records: [] }, 'records'],
    [
      'a target that is neither values nor an alias',
      { ...VALID, records: [{ ...VALID.records[0], dr: { ttl: 60 } }] },
      'records[0].dr: invalid input',
    ],
  ])('refuses %s, naming DR_TRAFFIC and the field', async (_case, value, field) => {
    await expectFailure(
      Promise.resolve().then(parse(value)),
      'ConfigurationError',
      'DR_TRAFFIC is not',
      field,
    );
  });

  it('refuses a drill name that is a production name, and a record whose targets are the same', async () => {
    const [first, second] = VALID.records;
    const value = {
      ...VALID,
      records: [
        { ...first, drillName: second!.name },
        { ...second, dr: second!.primary },
      ],
    };
    await expectFailure(
      Promise.resolve().then(parse(value)),
      'ConfigurationError',
      `DR_TRAFFIC is inconsistent: ${second!.name} is named twice`,
      `${second!.name} has the same primary and dr target`,
    );
  });

  it('refuses text that is not JSON', async () => {
    await expectFailure(
      Promise.resolve().then(() => parseTrafficSettings('{hostedZoneId')),
      'ConfigurationError',
      'DR_TRAFFIC is not valid JSON',
    );
  });
});
