/**
 * `crowsnest db import PATH | update | status`: loads advisory data from files (a directory of OSV JSON
 * at any depth, an OSV all.zip, or another source's file with --source), pulls the configured feeds,
 * and shows the database revision with per-source counts. Works on the configured installation, next
 * to a running server. Progress goes to stderr when it is a terminal.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { SourceIssue, SourceName } from '../../vulndb/advisory-source.js';
import { feedsFromEnv } from '../../vulndb/feeds.js';
import { SOURCES, sourceByName } from '../../vulndb/sources/index.js';
import { updateFeeds } from '../../vulndb/update.js';
import type { UpdateSchedule } from '../../vulndb/scheduled-updates.js';
import type { ImportResult } from '../../vulndb/vulndb-store.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions } from './store-options.js';
import { withContext } from './with-context.js';

/** A one-line progress display on stderr, only when stderr is a terminal. */
function progress(label: string): { update: (n: number) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  const spin = ['|', '/', '-', '\\'];
  return {
    update: (n) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const rate = Math.round(n / Math.max(0.001, (now - started) / 1000));
      process.stderr.write(`\r${spin[Math.floor(now / 150) % 4] ?? ''} ${label}: ${n} records (${rate}/s)   `);
    },
    done: () => process.stderr.write('\r\x1b[K'),
  };
}

function describeResult(r: ImportResult): string {
  return (
    `${r.source}: read ${r.read}, added ${r.added}, updated ${r.updated}, unchanged ${r.unchanged}, removed ${r.removed}` +
    `${r.withdrawn > 0 ? `, withdrawn ${r.withdrawn}` : ''}${r.metrics > 0 ? `, metrics ${r.metrics}` : ''}, skipped ${r.skipped}; revision ${r.revision}`
  );
}

function describeSchedule(s: UpdateSchedule): string {
  const every = s.intervalSeconds > 0 ? `every ${s.intervalSeconds / 3600 >= 1 ? `${+(s.intervalSeconds / 3600).toFixed(2)}h` : `${Math.round(s.intervalSeconds / 60)}m`}` : 'off';
  const parts = [`scheduled updates: ${every}`, `last success ${s.lastSuccess ?? 'never'}`];
  if (s.intervalSeconds > 0 && s.nextAttempt) parts.push(`next attempt ${s.nextAttempt}`);
  if (s.lastError) parts.push(`last error (${s.failures} in a row): ${s.lastError}`);
  parts.push(`import directory ${s.importDir}`);
  return parts.join('; ');
}

export const dbCommand: CommandModule = (program: Command, setExit) => {
  const db = program.command('db').description('vulnerability database: import files, update from feeds, show status');
  const names = SOURCES.map((s) => s.name).join('|');

  addStoreOptions(
    db
      .command('import')
      .description('import advisories from PATH: a directory of OSV JSON files (any depth) or an OSV all.zip')
      .argument('<path>', 'directory or file')
      .option('--source <name>', `format of PATH: ${names} (default osv)`, 'osv')
      .option('--verbose', 'list every skipped record'),
  ).action(async (path: string, opts: Record<string, unknown>) => {
    const source = sourceByName(String(opts.source));
    if (!source) {
      process.stderr.write(`crowsnest: unknown source ${String(opts.source)} (one of ${names})\n`);
      return setExit(EXIT_USAGE);
    }
    if (!existsSync(path)) {
      process.stderr.write(`crowsnest: ${path}: no such file or directory\n`);
      return setExit(EXIT_USAGE);
    }
    await withContext(opts, setExit, async (ctx) => {
      const issues: SourceIssue[] = [];
      const bar = progress(`importing ${path}`);
      try {
        const result = await ctx.vulndb.import(source.name, source.read(path, { issues: (i) => issues.push(i) }), {
          origin: path,
          onProgress: bar.update,
          skipped: () => issues.length,
        });
        bar.done();
        console.log(describeResult(result));
        for (const i of opts.verbose === true ? issues : issues.slice(0, 10)) process.stderr.write(`skipped ${i.where}: ${i.message}\n`);
        if (opts.verbose !== true && issues.length > 10) process.stderr.write(`… and ${issues.length - 10} more (--verbose lists all)\n`);
        return EXIT_OK;
      } catch (err) {
        bar.done();
        process.stderr.write(`crowsnest: import of ${path} failed, the database is unchanged: ${err instanceof Error ? err.message : String(err)}\n`);
        return EXIT_USAGE;
      }
    });
  });

  addStoreOptions(
    db
      .command('update')
      .description('download the configured feeds (CROWSNEST_VULNDB_* variables) and import them')
      .option('--source <names>', `comma-separated subset of ${names}`),
  ).action(async (opts: Record<string, unknown>) => {
    await withContext(opts, setExit, async (ctx) => {
      let feeds = feedsFromEnv();
      if (typeof opts.source === 'string') {
        const wanted = new Set(opts.source.split(',').map((s) => s.trim()));
        feeds = feeds.filter((f) => wanted.has(f.source as SourceName));
      }
      if (feeds.length === 0) {
        process.stderr.write('crowsnest: no feeds to update\n');
        return EXIT_USAGE;
      }
      let bar = progress('');
      const outcomes = await updateFeeds(ctx.vulndb, feeds, {
        onFeed: (feed, phase) => {
          bar.done();
          bar = progress(`${phase === 'download' ? 'downloading' : 'importing'} ${feed.url}`);
          bar.update(0);
        },
        onProgress: (n) => bar.update(n),
      });
      bar.done();
      for (const o of outcomes) {
        if (o.ok) console.log(`${o.feed.url}: ${describeResult(o.result)}`);
        else console.log(`${o.feed.url}: FAILED (previous data kept): ${o.error}`);
      }
      return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_USAGE;
    });
  });

  addStoreOptions(db.command('status').description('database revision, counts per source and last updates').option('--json', 'print JSON')).action(
    async (opts: Record<string, unknown>) => {
      await withContext(opts, setExit, async (ctx) => {
        const s = await ctx.vulndb.status();
        const schedule = await ctx.vulndbUpdates.schedule();
        if (opts.json === true) {
          console.log(JSON.stringify({ ...s, schedule }, null, 2));
          return EXIT_OK;
        }
        console.log(`version ${s.revision} (revision)${s.updatedAt ? `, updated ${s.updatedAt}` : ''}`);
        console.log(`${s.vulnerabilities} vulnerabilities from ${s.advisories} advisories, ${s.affected} affected packages`);
        console.log(`CVE metrics: NVD ${s.metrics.nvd}, KEV ${s.metrics.kev}, EPSS ${s.metrics.epss}`);
        for (const src of s.sources) {
          console.log(`  ${src.source.padEnd(7)} ${String(src.advisories).padStart(8)} advisories  last update ${src.lastUpdate ?? 'never'}  last change ${src.lastChange ?? 'never'}  from ${src.origin ?? '-'}`);
        }
        console.log(describeSchedule(schedule));
        return EXIT_OK;
      });
    },
  );
};
