/**
 * `crowsnest sbom TARGET [--format cyclonedx|spdx|json]`: analyzes an image locally (no server,
 * no database) and prints the SBOM to stdout. Exit 2 on a bad target or unreadable image.
 */
import type { Command } from 'commander';
import { AnalysisFailure } from '../../analysis/engine/analyzer.js';
import { defaultCatalogerSet } from '../../analysis/engine/cataloger-set.js';
import { analyzeTarget, parseTarget } from '../../analysis/engine/local-analysis.js';
import { AppError } from '../../core/errors.js';
import { isSbomFormat, renderSbom, SBOM_FORMATS } from '../../sbom/formats.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';

export const sbomCommand: CommandModule = (program: Command, setExit) => {
  program
    .command('sbom')
    .description('print the SBOM of an image: oci:DIR[:TAG], docker-archive:FILE.tar, dir:ROOTFS or registry:HOST/REPO:TAG')
    .argument('<target>', 'image to analyze')
    .option('--format <format>', `${SBOM_FORMATS.join('|')}`, 'json')
    .action(async (target: string, opts: { format: string }) => {
      if (!isSbomFormat(opts.format)) {
        process.stderr.write(`crowsnest sbom: --format must be one of ${SBOM_FORMATS.join(', ')}\n`);
        return setExit(EXIT_USAGE);
      }
      try {
        const parsed = parseTarget(target);
        const sbom = await analyzeTarget(parsed, defaultCatalogerSet());
        // A registry target names the registry in purls and the SPDX namespace.
        const registry = parsed.kind === 'registry' ? parsed.ref.slice(0, parsed.ref.indexOf('/')) : undefined;
        process.stdout.write(`${JSON.stringify(renderSbom(sbom, opts.format, registry !== undefined ? { registry } : {}), null, 2)}\n`);
        return setExit(EXIT_OK);
      } catch (err: unknown) {
        if (err instanceof AppError || err instanceof AnalysisFailure || (err as NodeJS.ErrnoException).code === 'ENOENT') {
          process.stderr.write(`crowsnest sbom: ${err instanceof AnalysisFailure ? err.reason : (err as Error).message}\n`);
          return setExit(EXIT_USAGE);
        }
        throw err;
      }
    });
};
