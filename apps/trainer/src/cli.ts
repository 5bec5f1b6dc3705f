#!/usr/bin/env node
/**
 * `cs-dfd-train`: train (default command) or score. Exit codes: 0 done, 1 bad input (config, checkpoint, data), 2
 * unexpected failure.
 */
import { resolve } from 'node:path';
import { configKeys, loadConfig } from '@cs-dfd/training/config';
import { methodNames } from '@cs-dfd/training/method';
import { barProgress, defaultProgress, lineProgress } from '@cs-dfd/training/progress';
import { Command, Option } from 'commander';
import { INPUT_ERRORS } from './errors.js';

const collect = (v: string, acc: string[]) => [...acc, v];
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

function fail(e: unknown): never {
  process.stderr.write(`cs-dfd-train: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(INPUT_ERRORS.includes((e as Error)?.name) ? 1 : 2);
}

const program = new Command('cs-dfd-train')
  .description(
    'Train a CS-DFD deepfake detector (dataset forgeries + online SBI, UVS + CGR) and evaluate it in-domain and ' +
      'cross-domain. With no options: the embedded SYNTHETIC faceworld dataset (generated once, cached), the small ' +
      'CNN at 64x64, UVS + CGR on the best backend available.',
  )
  .option('-c, --config <file>', 'YAML or JSON config file (every key optional; see the README for all keys)')
  .option(
    '-s, --set <key=value>',
    'override one config key, dotted (repeatable), e.g. --set method.name=pcgrad --set train.steps=100',
    collect,
    [],
  )
  .option(
    '-o, --out <dir>',
    'output folder: log.jsonl, checkpoint/, best/, report.json, report.md, plots/',
    'out/train',
  )
  .option(
    '-r, --resume',
    'continue the run in --out from its last checkpoint (same config; train.steps may grow)',
  )
  .option(
    '--force',
    'replace the run in --out even when its config differs (without it that is refused; a run of the same config is replaced anyway)',
  )
  .addOption(
    new Option('--progress <kind>', 'progress output')
      .choices(['auto', 'bar', 'lines', 'none'])
      .default('auto'),
  )
  .addHelpText(
    'after',
    `
Methods (method.name): ${methodNames().join(', ')}
CGR: cgr.enabled, cgr.weight (λ), cgr.mode (exact|diagonal|generic), cgr.rho (hinge|linear), cgr.split (fused|exact)
Backend: --set backend=auto|node-gpu|node|wasm|cpu (or CS_DFD_BACKEND)

Config keys (file or --set) and defaults:
${configKeys()
  .map(([k, v]) => `  ${k.padEnd(34)} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
  .join('\n')}

Examples:
  cs-dfd-train                                     # the README's default run
  cs-dfd-train --set method.name=joint --set cgr.enabled=false --out out/joint
  cs-dfd-train --config ff.yaml --out out/ff      # DeepfakeBench-layout data (data.source: deepfakebench)
  cs-dfd-train --out out/train --resume
  cs-dfd-train score --checkpoint out/train path/to/images`,
  )
  .action(
    async (opts: {
      config?: string;
      set: string[];
      out: string;
      resume?: boolean;
      force?: boolean;
      progress: string;
    }) => {
      try {
        const config = await loadConfig(opts.config, opts.set);
        const progress =
          opts.progress === 'none'
            ? undefined
            : opts.progress === 'lines'
              ? lineProgress()
              : opts.progress === 'bar'
                ? barProgress()
                : defaultProgress();
        // Loaded here, not at the top, so that --help and config errors answer without loading TensorFlow.js.
        const { progressListener, skipLines, train } = await import('@cs-dfd/training');
        const { report, out } = await train({
          config,
          out: resolve(opts.out),
          resume: opts.resume === true,
          force: opts.force === true,
          ...(progress ? { onEvent: progressListener(progress) } : {}),
        });
        const lines = Object.entries(report.metrics).map(
          ([split, m]) =>
            `  ${split.padEnd(26)} AUC ${f3(m.auc)}  AP ${f3(m.ap)}  EER ${f3(m.eer)}  ACC ${f3(m.acc)}  video AUC ${f3(m.video_auc)}`,
        );
        process.stdout.write(
          [
            `${report.method} on ${report.backend}: ${report.steps} steps, ${report.seconds.toFixed(0)} s training, selected step ${report.selectedStep}`,
            ...lines,
            ...skipLines(report.skippedSamples).map(
              (l) => `bad samples skipped (data.onBadSample=skip), ${l}`,
            ),
            `report: ${out}/report.md`,
            '',
          ].join('\n'),
        );
      } catch (e) {
        fail(e);
      }
    },
  );

program
  .command('score')
  .description('print P(fake) of images (or every image under folders) with a trained detector')
  .requiredOption(
    '--checkpoint <dir>',
    'a run folder (uses best/, else checkpoint/model) or a saved model folder',
  )
  .option('--json', 'print one JSON array of {path, score}')
  .argument('<paths...>', 'image files or folders')
  .action(async (paths: string[], opts: { checkpoint: string; json?: boolean }) => {
    try {
      const { initBackend } = await import('@cs-dfd/backend');
      const { scorePaths } = await import('./score.js');
      await initBackend();
      const scored = await scorePaths(opts.checkpoint, paths);
      const failed = scored.filter((s) => s.score === null);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(scored, null, 2)}\n`
          : scored.flatMap((s) => (s.score === null ? [] : [`${s.path}\t${s.score.toFixed(4)}\n`])).join(''),
      );
      for (const f of failed) if ('error' in f) process.stderr.write(`cs-dfd-train: ${f.path}: ${f.error}\n`);
      if (failed.length > 0) {
        process.stderr.write(
          `cs-dfd-train: ${failed.length} of ${scored.length} images could not be scored\n`,
        );
        process.exitCode = 1;
      }
    } catch (e) {
      fail(e);
    }
  });

await program.parseAsync(process.argv);
