import { readdirSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { cli } from '../helpers/cli.js';

const io = { stdout: process.stdout, stderr: process.stderr };

describe('the CLI is one static list of commands', () => {
  it('every command file exports one command, and the list holds each exactly once', async () => {
    const dir = new URL('../../src/cli/commands/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const exported = [];
    for (const f of files) {
      const mod = await import(new URL(f, dir).href);
      exported.push(
        ...Object.entries(mod)
          .filter(([name]) => name.endsWith('Command'))
          .map(([, v]) => v),
      );
    }
    expect(exported.length).toBe(COMMANDS.length);
    for (const c of exported) expect(COMMANDS.filter((k) => k === c)).toHaveLength(1);
  });

  it('the list builds every command the README names, and --help shows them', async () => {
    const program = new Command('logitkit');
    for (const add of COMMANDS) add(program, io);
    expect(program.commands.map((c) => c.name())).toEqual([
      'train',
      'evaluate',
      'calibrate',
      'predict',
      'info',
      'explain',
      'export',
      'playground',
      'train-lm',
      'sample',
    ]);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const name of ['train', 'evaluate', 'calibrate', 'predict', 'info', 'explain', 'export', 'playground', 'train-lm', 'sample'])
      expect(help.out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });
});
