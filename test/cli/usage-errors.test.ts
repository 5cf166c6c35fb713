import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optimizers } from '../../src/index.js';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'tiny.csv');
writeFileSync(csv, Array.from({ length: 40 }, (_, i) => `${i % 2},${(i * 7) % 5},${i % 2 ? 'a' : 'b'}`).join('\n'));

describe('logitkit usage errors exit 2, before any work', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(pkg.version);
    }
  });

  it("commander's own errors carry the logitkit: prefix and exit 2", async () => {
    const unknownOption = await cli('train', '--epoch', '3');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.err).toMatch(/^logitkit: error: unknown option '--epoch'/);
    const missingValue = await cli('train', '--lr');
    expect(missingValue.code).toBe(2);
    expect(missingValue.err).toMatch(/^logitkit: error: option '--lr <rate>' argument missing/);
    const unknownCommand = await cli('fly');
    expect(unknownCommand.err).toMatch(/^logitkit: error: unknown command 'fly'/);
  });

  it.each([
    ['--lr', ''],
    ['--lr', '0'],
    ['--lr', '1e'],
    ['--lr', 'abc'],
    ['--lr', '-0.1'],
    ['--lr', '0x10'],
    ['--epochs', ''],
    ['--epochs', ' '],
    ['--batch-size', '1.5'],
    ['--seed', '-1'],
    ['--momentum', '2'],
    ['--validation-split', ''],
    ['--validation-split', '1'],
    ['--hidden', '16,,8'],
    ['--threads', 'two'],
  ])('train %s %j is an error naming the option', async (option, value) => {
    const r = await cli('train', '--data', `csv:${csv}`, '--epochs', '1', option, value);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`option ${option}`);
  });

  it('--optimizer takes the names of the optimizer registry; --momentum only where the optimizer has it', async () => {
    const names = optimizers.OPTIMIZERS.names();
    await expectUsageError(
      ['train', '--data', `csv:${csv}`, '--optimizer', 'rmsprop'],
      `option --optimizer must be one of ${names.map((n) => `'${n}'`).join(', ')}, got 'rmsprop'`,
    );
    await expectUsageError(
      ['train', '--data', `csv:${csv}`, '--optimizer', 'adam', '--momentum', '0.9'],
      "option --momentum applies to an optimizer with momentum (sgd), not 'adam'",
    );
    const help = await cli('train', '--help');
    expect(help.out).toContain(`one of ${names.join(', ')}`);
    for (const name of names) expect((await cli('train', '--data', `csv:${csv}`, '--epochs', '1', '--hidden', '2', '--optimizer', name)).code).toBe(0);
  });

  it('numbers elsewhere are parsed strictly too', async () => {
    const model = join(dir, 'tiny.lkm');
    expect((await cli('train', '--data', `csv:${csv}`, '--epochs', '1', '--hidden', '2', '--out', model)).code).toBe(0);
    await expectUsageError(['predict', '--model', model, '--values', '1,,2'], "option --values must be comma-separated finite numbers, got '1,,2'");
    await expectUsageError(['explain', '1', '0x10'], "logit '0x10' is not a number");
    await expectUsageError(['explain', '1', '2', '--temperature', ''], 'option --temperature');
  });

  it('a bad --data source and an unknown --label are usage errors (2)', async () => {
    await expectUsageError(['train', '--data', 'parquet:x'], "option --data 'parquet:x'");
    await expectUsageError(['explain', '1', '2', '--label', '7'], /^logitkit: .*label/);
  });

  it('output paths are checked before training starts', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const cases: Array<[string, string, RegExp]> = [
      ['--out', sub, /option --out '.*sub' is a directory/],
      ['--report', join(dir, 'missing', 'r.html'), /option --report '.*': directory '.*missing' does not exist/],
      ['--checkpoint', csv, /option --checkpoint '.*tiny.csv' is a file/],
      ['--out', '', /option --out must be a path/],
    ];
    for (const [option, path, message] of cases) {
      // --epochs 100000 would take minutes: an answer in milliseconds shows the check came first.
      const r = await cli('train', '--data', `csv:${csv}`, '--epochs', '100000', '--json', option, path);
      expect(r.code, option).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).not.toContain('trainBegin');
    }
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      const r = await cli('train', '--data', `csv:${csv}`, '--out', join(locked, 'm.lkm'));
      expect(r.code).toBe(2);
      expect(r.err).toContain('is not writable');
    }
  });
});
