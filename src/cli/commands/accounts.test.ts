import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppContext } from '../../app/app-context.js';
import { toConfig } from '../../config/config.js';
import { pino } from 'pino';
import { main } from '../cli.js';

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const input = vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(stdin)]) as unknown as typeof process.stdin);
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
    input.mockRestore();
  }
}

describe('account commands', () => {
  let data: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'crowsnest-accounts-'));
  });
  afterAll(() => rm(data, { recursive: true, force: true }));

  it('adds users, creates tokens, organizations and teams on the configured database', async () => {
    expect((await run(['user', 'add', 'alice', '--admin', '--data', data], 'alice-password\n')).code).toBe(0);
    expect((await run(['user', 'add', 'bob', '--data', data], 'bob-password\n')).code).toBe(0);
    expect((await run(['user', 'add', 'bob', '--data', data], 'bob-password\n')).code).toBe(2);
    expect((await run(['user', 'add', 'short', '--data', data], 'x\n')).code).toBe(2);
    const token = await run(['token', 'create', 'alice', '--scope', 'read', '--data', data]);
    expect(token.code).toBe(0);
    expect(token.out).toMatch(/^cnp_[\w-]{40,}$/);
    expect((await run(['org', 'create', 'acme', '--owner', 'alice', '--data', data])).code).toBe(0);
    const team = await run(['team', 'add', 'acme', 'devs', '--member', 'bob', '--can-create', '--data', data]);
    expect(team).toEqual({ code: 0, out: 'team acme/devs: bob' });

    const config = toConfig({ data, logLevel: 'silent' });
    if (!config.ok) throw new Error('config');
    const ctx = await createAppContext(config.config, { log: pino({ level: 'silent' }) });
    try {
      expect((await ctx.accounts.checkPassword('alice', 'alice-password'))?.siteAdmin).toBe(true);
      expect((await ctx.accounts.useToken(token.out))?.scope).toBe('read');
      expect((await ctx.accounts.teamsOf('bob')).map((t) => `${t.org}/${t.name}:${t.canCreate}`)).toEqual(['acme/devs:true']);
    } finally {
      await ctx.close();
    }
  });
});
