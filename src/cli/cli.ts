/**
 * The `crowsnest` command table. Each command lives in its own module under commands/ and
 * returns an exit code: 0 success, 1 findings gate, 2 usage or input error.
 */
import { Command, CommanderError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A command module registers itself on the program and reports its exit code through `setExit`. */
export type CommandModule = (program: Command, setExit: (code: number) => void) => void;

/**
 * Command modules by the top-level commands they register, loaded on demand: importing every module
 * (the server, PostgreSQL and S3 clients …) took ~0.7 s before `crowsnest sbom` could start reading layers.
 */
const commandModules: readonly { readonly names: readonly string[]; readonly load: () => Promise<CommandModule> }[] = [
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).serveCommand },
  { names: ['worker'], load: async () => (await import('./commands/worker.js')).workerCommand },
  { names: ['gc'], load: async () => (await import('./commands/gc.js')).gcCommand },
  { names: ['db'], load: async () => (await import('./commands/db.js')).dbCommand },
  { names: ['sbom'], load: async () => (await import('./commands/sbom.js')).sbomCommand },
  { names: ['scan'], load: async () => (await import('./commands/scan.js')).scanCommand },
  { names: ['user', 'token', 'org', 'team'], load: async () => (await import('./commands/accounts.js')).accountCommands },
];

/** The modules to register: only the named command's, or all of them for help and unknown commands. */
function modulesFor(argv: readonly string[]): (typeof commandModules)[number][] {
  const name = argv.find((a) => !a.startsWith('-'));
  const one = commandModules.find((m) => name !== undefined && m.names.includes(name));
  return one ? [one] : [...commandModules];
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('crowsnest')
    .description('Self-hosted container registry with built-in image analysis')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const register of await Promise.all(modulesFor(argv).map((m) => m.load()))) register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    throw err;
  }
  return exitCode;
}
