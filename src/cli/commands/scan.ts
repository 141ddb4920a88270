/**
 * `crowsnest scan TARGET [--format table|json|cyclonedx|spdx|sarif] [--fail-on SEVERITY]`: analyzes an
 * image locally (oci:, docker-archive:, dir:, registry:) and matches it against the installation's
 * vulnerability database — the CI gate. `json` is the tag vulnerabilities document of the API.
 * Exit 0 clean (or below the threshold), 1 when --fail-on trips, 2 on usage or input errors.
 */
import type { Command } from 'commander';
import { AnalysisFailure } from '../../analysis/engine/analyzer.js';
import { defaultCatalogerSet } from '../../analysis/engine/cataloger-set.js';
import { analyzeTarget, parseTarget } from '../../analysis/engine/local-analysis.js';
import { AppError } from '../../core/errors.js';
import type { ImageSbom } from '../../model/sbom.js';
import { renderCycloneDxWithVulnerabilities } from '../../reports/cyclonedx-vulnerabilities.js';
import { renderSarif } from '../../reports/sarif.js';
import { failsThreshold, isReportSeverity, REPORT_SEVERITIES } from '../../reports/severity.js';
import { renderTable } from '../../reports/table.js';
import { buildVulnerabilityReport } from '../../reports/vulnerability-report.js';
import { renderSbom } from '../../sbom/formats.js';
import { VulnMatcher } from '../../vulndb/match/matcher.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions } from './store-options.js';
import { withContext } from './with-context.js';

const SCAN_FORMATS = ['table', 'json', 'cyclonedx', 'spdx', 'sarif'] as const;
type ScanFormat = (typeof SCAN_FORMATS)[number];

function isScanFormat(value: string): value is ScanFormat {
  return (SCAN_FORMATS as readonly string[]).includes(value);
}

async function analyze(target: string): Promise<ImageSbom | string> {
  try {
    return await analyzeTarget(parseTarget(target), defaultCatalogerSet());
  } catch (err: unknown) {
    if (err instanceof AppError || err instanceof AnalysisFailure || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      return err instanceof AnalysisFailure ? err.reason : (err as Error).message;
    }
    throw err;
  }
}

export const scanCommand: CommandModule = (program: Command, setExit) => {
  addStoreOptions(
    program
      .command('scan')
      .description('analyze an image and list its vulnerabilities: oci:DIR[:TAG], docker-archive:FILE.tar, dir:ROOTFS or registry:HOST/REPO:TAG')
      .argument('<target>', 'image to scan')
      .option('--format <format>', SCAN_FORMATS.join('|'), 'table')
      .option('--fail-on <severity>', `exit 1 when a vulnerability at this severity or worse is found (${REPORT_SEVERITIES.join('|')})`),
  ).action(async (target: string, opts: Record<string, unknown>) => {
    const format = String(opts.format);
    if (!isScanFormat(format)) {
      process.stderr.write(`crowsnest scan: --format must be one of ${SCAN_FORMATS.join(', ')}\n`);
      return setExit(EXIT_USAGE);
    }
    const failOn = opts.failOn === undefined ? undefined : String(opts.failOn).toLowerCase();
    if (failOn !== undefined && !isReportSeverity(failOn)) {
      process.stderr.write(`crowsnest scan: --fail-on must be one of ${REPORT_SEVERITIES.join(', ')}\n`);
      return setExit(EXIT_USAGE);
    }
    await withContext(opts, setExit, async (ctx) => {
      const status = await ctx.vulndb.status();
      if (status.revision === 0) process.stderr.write('crowsnest scan: the vulnerability database is empty; run `crowsnest db update` or `crowsnest db import PATH`\n');
      const sbom = await analyze(target);
      if (typeof sbom === 'string') {
        process.stderr.write(`crowsnest scan: ${sbom}\n`);
        return EXIT_USAGE;
      }
      const findings = await new VulnMatcher(ctx.vulndb).match(sbom.packages, sbom.distro);
      const report = buildVulnerabilityReport(sbom, findings, {
        evaluatedAt: new Date().toISOString(),
        db: { version: status.revision, ...(status.updatedAt ? { updatedAt: status.updatedAt } : {}) },
      });
      const out =
        format === 'table'
          ? renderTable(report)
          : `${JSON.stringify(
              format === 'json'
                ? report
                : format === 'sarif'
                  ? renderSarif(report, sbom.tool)
                  : format === 'cyclonedx'
                    ? renderCycloneDxWithVulnerabilities(sbom, findings)
                    : renderSbom(sbom, 'spdx'),
              null,
              2,
            )}\n`;
      process.stdout.write(out);
      return failOn !== undefined && isReportSeverity(failOn) && failsThreshold(report.summary, failOn) ? EXIT_FINDINGS : EXIT_OK;
    });
  });
};
