import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresBinDirectory } from '../../../local/system/debian-packages.ts';

describe('postgresBinDirectory', () => {
  let versions: string;
  beforeEach(async () => {
    versions = await mkdtemp(path.join(tmpdir(), 'postgresql-'));
  });
  afterEach(() => rm(versions, { recursive: true, force: true }));

  async function install(major: string): Promise<void> {
    await mkdir(path.join(versions, major, 'bin'), { recursive: true });
    await writeFile(path.join(versions, major, 'bin', 'postgres'), '');
  }

  it('finds the newest installed major version, whichever the Debian release ships', async () => {
    await install('9');
    await install('17');
    await install('15');
    // A leftover directory without a server is not an installation.
    await mkdir(path.join(versions, '18', 'bin'), { recursive: true });

    expect(postgresBinDirectory(versions)).toBe(path.join(versions, '17', 'bin'));
  });

  it("names Debian 12's version when none is installed, for the install message", () => {
    expect(postgresBinDirectory(path.join(versions, 'absent'))).toBe(
      path.join(versions, 'absent', '15', 'bin'),
    );
  });
});
