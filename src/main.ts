/** Process entry: hands argv to the CLI and returns the exit code. */
export { main } from './cli/cli.js';
