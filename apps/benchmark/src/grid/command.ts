/** The `grid` subcommand of cs-dfd-bench (DESIGN §14); the lead's cli.ts calls {@link addGridCommand}. */
import { join } from 'node:path';
import { ConfigError } from '@cs-dfd/training/config';
import { barProgress, defaultProgress, lineProgress, type Progress } from '@cs-dfd/training/progress';
import { type Command, Option } from 'commander';
import { collect, list, positiveInt } from '../cli-args.js';
import { GridError } from './errors.js';
import { GRID_FILES, summarizeDir } from './outputs.js';
import { autoJobs, DEFAULT_JOBS, processPoolExecutor } from './process-pool.js';
import type { CrossDomainSet, GridProtocol } from './protocol.js';
import { queueExecutor, queueUrl } from './queue.js';
import { writeGridReport } from './report/index.js';
import { runGrid } from './run.js';
import { GRID_METHODS } from './types.js';
import { loadVariants } from './variants.js';

/** `name=FILE[,FILE]` -> a cross-domain set. */
export function parseCross(v: string): CrossDomainSet {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) {
    throw new GridError('bad-option', `--cross expects name=FILE[,FILE], got "${v}"`, 'cross');
  }
  return { name: v.slice(0, eq), files: list(v.slice(eq + 1)) };
}

/** `label=0|1` pairs -> a label map. */
export function parseLabels(pairs: readonly string[]): Record<string, 0 | 1> {
  const out: Record<string, 0 | 1> = {};
  for (const p of pairs) {
    const m = /^(.+)=([01])$/.exec(p);
    if (m === null)
      throw new GridError('bad-option', `--label expects NAME=0 or NAME=1, got "${p}"`, 'label');
    out[m[1]!] = Number(m[2]) as 0 | 1;
  }
  return out;
}

/** `--jobs 2` -> 2, `--jobs auto` -> 'auto'. */
export function jobsArg(v: string): number | 'auto' {
  return v.trim() === 'auto' ? 'auto' : positiveInt(v);
}

/** Shell-quotes an argument for the recorded command line. */
const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

interface GridCliOptions {
  out: string;
  protocol: 'faceworld' | 'faceworld-large' | 'deepfakebench';
  index?: string[];
  root?: string;
  cross: string[];
  label: string[];
  methods?: string[];
  seeds: number;
  set: string[];
  variants?: string;
  cache?: string;
  force?: boolean;
  summarizeOnly?: boolean;
  progress: 'auto' | 'bar' | 'lines' | 'none';
  queue?: string;
  jobs?: number | 'auto';
}

function protocolOf(o: GridCliOptions): GridProtocol {
  if (o.protocol === 'faceworld' || o.protocol === 'faceworld-large') {
    for (const [flag, v] of [
      ['--index', o.index],
      ['--root', o.root],
      ['--cross', o.cross.length > 0 ? o.cross : undefined],
    ] as const) {
      if (v !== undefined)
        throw new GridError('bad-option', `${flag} needs --protocol deepfakebench`, flag.slice(2));
    }
    return { kind: o.protocol };
  }
  if (o.index === undefined)
    throw new GridError('bad-option', '--protocol deepfakebench needs --index FILE[,FILE]', 'index');
  if (o.root === undefined)
    throw new GridError('bad-option', '--protocol deepfakebench needs --root DIR', 'root');
  return {
    kind: 'deepfakebench',
    index: o.index,
    root: o.root,
    cross: o.cross.map(parseCross),
    labels: parseLabels(o.label),
  };
}

function progressOf(kind: GridCliOptions['progress']): Progress | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'bar') return barProgress();
  // Lines every 30 s keep a long grid's log readable when it goes to a file.
  if (kind === 'lines') return lineProgress(undefined, 30);
  return process.stderr.isTTY ? defaultProgress() : lineProgress(undefined, 30);
}

/**
 * Adds `grid` to the benchmark's CLI. `write` receives error lines (default stderr); a typed grid or config error
 * prints one line and sets exit code 1 (bad input, as `cs-dfd-train`) instead of a stack trace.
 */
export function addGridCommand(
  program: Command,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Command {
  return program
    .command('grid')
    .description(
      "method x seed grid with the trainer's own code: resumable, writes results.json, summary.json, tables.md, summary.csv",
    )
    .requiredOption('-o, --out <dir>', 'grid folder (results, tables, cells/<method>/seed-<n>)')
    .addOption(
      new Option(
        '--protocol <name>',
        'data: the embedded faceworld, faceworld with test sets of AUC SE <= 0.01 (faceworld-large), or DeepfakeBench-layout index files',
      )
        .choices(['faceworld', 'faceworld-large', 'deepfakebench'])
        .default('faceworld'),
    )
    .option(
      '--index <files>',
      'deepfakebench: index JSON files of the training dataset, comma-separated',
      list,
    )
    .option('--root <dir>', "deepfakebench: the datasets' rgb_dir (frame paths resolve against it)")
    .option(
      '--cross <name=files>',
      'deepfakebench: a cross-domain test set, name=FILE[,FILE] (repeatable)',
      collect,
      [],
    )
    .option(
      '--label <name=0|1>',
      'deepfakebench: an extra label of the index files, real 0 / fake 1 (repeatable)',
      collect,
      [],
    )
    .option(
      '--methods <list>',
      `comma-separated rows: grid methods (default: ${GRID_METHODS.join(', ')}), variant names (default with --variants: every variant), or any trainer method with optional +cgr`,
      list,
    )
    .option('--seeds <n>', 'seeds 0..n-1 per method', positiveInt, 3)
    .option(
      '--set <key=value>',
      'trainer config override for every cell (repeatable), e.g. train.steps=100',
      collect,
      [],
    )
    .option('--variants <file>', 'ablation rows, YAML or JSON: [{name, method, set: {key: value}}]')
    .option('--cache <dir>', 'faceworld cache shared by grids (default: <out>/../cache)')
    .option('--force', 'retrain cells whose config changed instead of stopping')
    .option(
      '--summarize-only',
      'only recompute summary.json, tables.md, summary.csv and the HTML report from <out>/results.json',
    )
    .option(
      '--queue <url>',
      'train the cells on BullMQ workers (cs-dfd-bench worker) through this Redis, redis://HOST:PORT[/DB]; the grid folder must be shared with them',
      queueUrl,
    )
    .option(
      '--jobs <n>',
      `cells at once on this machine, each in its own process: a positive integer or auto (${autoJobs()} here); default ${DEFAULT_JOBS} (measured, see the README's Grid section), 1 with --queue`,
      jobsArg,
    )
    .addOption(
      new Option('--progress <kind>', 'progress inside a cell')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .addHelpText(
      'after',
      `
Cells: <out>/cells/<method>/seed-<n> (the trainer's output folder). A rerun keeps finished cells whose config is
unchanged, resumes half-finished ones from their checkpoint, and stops on a changed config (or retrains with --force).

Examples:
  cs-dfd-bench grid --out out/grid                                  # faceworld, 10 methods x 3 seeds
  cs-dfd-bench grid --out out/grid --methods joint,uvs,uvs+cgr --seeds 5 --set train.steps=400
  cs-dfd-bench grid --out out/ablate --variants ablate.yaml --methods uvs+cgr,uvs-sgd,uvs-c1
  cs-dfd-bench grid --protocol deepfakebench --index FaceForensics++.json --root /data/rgb \\
      --cross celeb-df=Celeb-DF-v2.json --out out/ff
  cs-dfd-bench grid --out out/grid --methods joint,uvs --jobs 2   # two cells at once, each in its own process
  cs-dfd-bench grid --out out/grid --summarize-only                 # tables again, no training
  cs-dfd-bench grid --out /shared/grid --queue redis://host:6379     # cells on 'cs-dfd-bench worker' processes`,
    )
    .action(async (opts: GridCliOptions) => {
      try {
        if (opts.summarizeOnly) {
          const { markdown, results, summary } = await summarizeDir(opts.out);
          const report = await writeGridReport(opts.out, results, summary);
          process.stdout.write(markdown);
          process.stdout.write(`\nwrote ${report.html} and ${report.plots.length} plot files\n`);
          return;
        }
        const jobs =
          opts.jobs === 'auto' ? autoJobs() : (opts.jobs ?? (opts.queue === undefined ? DEFAULT_JOBS : 1));
        if (opts.queue !== undefined && jobs > 1)
          throw new GridError(
            'bad-option',
            '--jobs and --queue exclude each other (use cs-dfd-bench worker --concurrency N)',
            'jobs',
          );
        const variants = opts.variants === undefined ? [] : await loadVariants(opts.variants);
        const progress = progressOf(opts.progress);
        const { summary } = await runGrid({
          out: opts.out,
          protocol: protocolOf(opts),
          seeds: opts.seeds,
          sets: opts.set,
          variants,
          force: opts.force === true,
          command: ['cs-dfd-bench', ...process.argv.slice(2)].map(quote).join(' '),
          ...(opts.methods === undefined ? {} : { methods: opts.methods }),
          ...(opts.cache === undefined ? {} : { cacheDir: opts.cache }),
          ...(progress === undefined ? {} : { progress }),
          ...(opts.queue !== undefined
            ? { executor: queueExecutor({ url: opts.queue, log: write }) }
            : jobs > 1
              ? {
                  executor: processPoolExecutor({
                    jobs,
                    log: write,
                    // Children print plain lines (a bar per cell would interleave); none: only each phase's last.
                    progressEvery: opts.progress === 'none' ? Number.POSITIVE_INFINITY : 30,
                  }),
                }
              : {}),
          log: write,
        });
        process.stdout.write(
          `${summary.rows.length} method${summary.rows.length === 1 ? '' : 's'} summarised in ${join(opts.out, GRID_FILES.tables)}\n`,
        );
      } catch (e) {
        if (e instanceof GridError || e instanceof ConfigError) {
          write(`cs-dfd-bench grid: ${e.message}`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
}
