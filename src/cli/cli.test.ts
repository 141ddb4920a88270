import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_OK, EXIT_USAGE, main } from './cli.js';

describe('crowsnest command table', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function output(): { text: () => string } {
    const chunks: string[] = [];
    const capture = (c: string | Uint8Array): boolean => {
      chunks.push(String(c));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    return { text: () => chunks.join('') };
  }

  it('lists every command in the help although modules load on demand', async () => {
    const out = output();
    expect(await main(['--help'])).toBe(EXIT_OK);
    for (const name of ['serve', 'worker', 'gc', 'db', 'sbom', 'scan', 'user', 'token', 'org', 'team']) expect(out.text()).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('loads the named command, including one of a module with several commands', async () => {
    const out = output();
    expect(await main(['team', '--help'])).toBe(EXIT_OK);
    expect(out.text()).toContain('Usage: crowsnest team');
    expect(await main(['db', 'status', '--help'])).toBe(EXIT_OK);
    expect(out.text()).toContain('Usage: crowsnest db status');
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const out = output();
    expect(await main(['frobnicate'])).toBe(EXIT_USAGE);
    expect(out.text()).toContain("unknown command 'frobnicate'");
  });
});
