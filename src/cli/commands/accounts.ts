/**
 * Account commands on the configured installation: `user add NAME [--admin]` (password from stdin),
 * `token create USER` (prints a personal access token once), `org create NAME --owner USER` and
 * `team add ORG TEAM [--member USER…] [--can-create]`. Safe next to a running server.
 */
import type { Command } from 'commander';
import { createAppContext, createLogger, StartupError, type AppContext } from '../../app/app-context.js';
import { TOKEN_SCOPES, type TokenScope } from '../../accounts/accounts-store.js';
import { parseDuration } from '../../config/config.js';
import { AppError } from '../../core/errors.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions, resolveConfig } from './store-options.js';

const MAX_STDIN = 64 * 1024;

/** The first line of stdin (a password piped in), bounded. */
async function readSecretLine(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > MAX_STDIN) break;
    chunks.push(buf);
    if (buf.includes(10)) break;
  }
  return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
}

async function withContext(opts: Record<string, unknown>, setExit: (code: number) => void, body: (ctx: AppContext) => Promise<void>): Promise<void> {
  const config = resolveConfig(opts);
  if (!config) return setExit(EXIT_USAGE);
  let ctx: AppContext;
  try {
    ctx = await createAppContext(config, { log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 2) });
  } catch (err: unknown) {
    if (err instanceof StartupError) {
      process.stderr.write(`crowsnest: cannot open the installation:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return setExit(EXIT_USAGE);
    }
    throw err;
  }
  try {
    await body(ctx);
    setExit(EXIT_OK);
  } catch (err: unknown) {
    if (!(err instanceof AppError)) throw err;
    process.stderr.write(`crowsnest: ${err.message}\n`);
    setExit(EXIT_USAGE);
  } finally {
    await ctx.close();
  }
}

export const accountCommands: CommandModule = (program: Command, setExit) => {
  const user = program.command('user').description('manage users');
  addStoreOptions(user.command('add <name>').description('add a user; reads the password from stdin').option('--admin', 'make the user a site admin')).action(
    async (name: string, opts: Record<string, unknown>) =>
      withContext(opts, setExit, async (ctx) => {
        const password = await readSecretLine();
        const created = await ctx.accounts.createUser(name, password, opts.admin === true);
        await ctx.accounts.audit(null, 'user.create', name, { siteAdmin: created.siteAdmin, via: 'cli' });
        console.log(`added user ${name}${created.siteAdmin ? ' (site admin)' : ''}`);
      }),
  );

  const token = program.command('token').description('manage personal access tokens');
  addStoreOptions(
    token
      .command('create <user>')
      .description('create a personal access token for USER and print it (shown once)')
      .option('--name <name>', 'a label for the token', 'cli')
      .option('--scope <scope>', `one of ${TOKEN_SCOPES.join(', ')}`, 'read-write')
      .option('--expires <duration>', 'lifetime such as 30d (default: no expiry)'),
  ).action(async (userName: string, opts: Record<string, unknown>) => {
    const scope = String(opts.scope);
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      process.stderr.write(`crowsnest: --scope must be one of ${TOKEN_SCOPES.join(', ')}\n`);
      return setExit(EXIT_USAGE);
    }
    let expiresAt: Date | undefined;
    if (typeof opts.expires === 'string') {
      const seconds = parseDuration(opts.expires);
      if (seconds === undefined || seconds <= 0) {
        process.stderr.write('crowsnest: --expires must be a positive duration like 30d\n');
        return setExit(EXIT_USAGE);
      }
      expiresAt = new Date(Date.now() + seconds * 1000);
    }
    return withContext(opts, setExit, async (ctx) => {
      const created = await ctx.accounts.createToken(userName, String(opts.name), scope as TokenScope, expiresAt);
      await ctx.accounts.audit(null, 'token.create', `${userName}/${created.token.name}`, { id: created.token.id, scope, via: 'cli' });
      console.log(created.secret);
    });
  });

  const org = program.command('org').description('manage organizations');
  addStoreOptions(org.command('create <name>').description('create an organization').requiredOption('--owner <user>', 'its first owner')).action(
    async (name: string, opts: Record<string, unknown>) =>
      withContext(opts, setExit, async (ctx) => {
        await ctx.accounts.createOrganization(name, String(opts.owner));
        await ctx.accounts.audit(null, 'org.create', name, { owner: opts.owner, via: 'cli' });
        console.log(`created organization ${name} (owner ${String(opts.owner)})`);
      }),
  );

  const team = program.command('team').description('manage organization teams');
  addStoreOptions(
    team
      .command('add <org> <team>')
      .description('add a team (or members to an existing one)')
      .option('--member <user...>', 'users to add to the team')
      .option('--can-create', 'members may create repositories in the organization'),
  ).action(async (orgName: string, teamName: string, opts: Record<string, unknown>) =>
    withContext(opts, setExit, async (ctx) => {
      if (!(await ctx.accounts.getTeam(orgName, teamName))) {
        await ctx.accounts.createTeam(orgName, teamName, opts.canCreate === true);
        await ctx.accounts.audit(null, 'team.create', `${orgName}/${teamName}`, { canCreate: opts.canCreate === true, via: 'cli' });
      }
      const members = Array.isArray(opts.member) ? opts.member.map(String) : [];
      for (const m of members) {
        await ctx.accounts.addMember(orgName, teamName, m);
        await ctx.accounts.audit(null, 'team.member.add', `${orgName}/${teamName}`, { user: m, via: 'cli' });
      }
      console.log(`team ${orgName}/${teamName}: ${(await ctx.accounts.listMembers(orgName, teamName)).join(', ') || 'no members'}`);
    }),
  );
};
