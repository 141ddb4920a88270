/**
 * The `crowsnest` command table. Each command lives in its own module under commands/ and
 * returns an exit code: 0 success, 1 findings gate, 2 usage or input error.
 */
import { Command, CommanderError } from 'commander';
import { accountCommands } from './commands/accounts.js';
import { dbCommand } from './commands/db.js';
import { gcCommand } from './commands/gc.js';
import { sbomCommand } from './commands/sbom.js';
import { scanCommand } from './commands/scan.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A command module registers itself on the program and reports its exit code through `setExit`. */
export type CommandModule = (program: Command, setExit: (code: number) => void) => void;

const commandModules: readonly CommandModule[] = [serveCommand, workerCommand, gcCommand, dbCommand, sbomCommand, scanCommand, accountCommands];

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('crowsnest')
    .description('Self-hosted container registry with built-in image analysis')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const register of commandModules) register(program, (code) => (exitCode = code));
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
