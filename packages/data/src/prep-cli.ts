#!/usr/bin/env node
/**
 * `cs-dfd-prep`: raw images or videos -> aligned face crops, 68-point landmarks and a DeepfakeBench index.
 * @packageDocumentation
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { type PrepReport, prepareDataset } from './prep/prepare.js';

/** Where the CLI writes; a test passes its own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Draw a progress bar (stderr is a terminal). */
  readonly tty: boolean;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
};

function positiveInt(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= min))
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** Parses `real=FF-real,Deepfakes=FF-DF` (folder=labelKey pairs, comma separated; repeatable). */
export function parseLabelMap(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const out = { ...previous };
  for (const pair of value.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([^=\s]+)\s*$/.exec(pair);
    if (!m)
      throw new InvalidArgumentError(`"${pair}" is not folder=labelKey (e.g. real=FF-real,Deepfakes=FF-DF)`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/** The command, with `--help`; `io` receives the summary and the progress. */
export function prepProgram(io: CliIo = defaultIo): Command {
  return new Command('cs-dfd-prep')
    .description(
      'Find the largest face and its 68 landmarks (@vladmandic/face-api, SSD MobileNet v1) in every sampled frame, ' +
        'align and crop it, and write frames/, landmarks/ and a DeepfakeBench index.\n\n' +
        'Input layout: [train|val|test/]real/... and [train|val|test/]fake/<method>/..., each holding one folder of ' +
        'frames per video, single images, or video files (read with ffmpeg).',
    )
    .requiredOption('-i, --input <dir>', 'input root')
    .requiredOption('-o, --out <dir>', 'output root (DeepfakeBench rgb_dir)')
    .option('-s, --size <px>', 'side of the aligned crop', positiveInt('--size', 8), 256)
    .option('--scale <x>', 'crop side over face extent (DeepfakeBench 1.3)', Number.parseFloat, 1.3)
    .option('-f, --frames <n>', 'frames per video, evenly spaced', positiveInt('--frames', 1), 32)
    .option('-d, --dataset <name>', 'dataset name (index key and output folder); default: input folder name')
    .option(
      '-l, --label-map <pairs>',
      'folder=labelKey pairs, e.g. real=FF-real,Deepfakes=FF-DF',
      parseLabelMap,
    )
    .option('--min-confidence <p>', 'face detector score threshold', Number.parseFloat, 0.5)
    .option(
      '--seed <n>',
      'seed of the split by video hash (inputs without train/val/test folders)',
      positiveInt('--seed', 0),
      0,
    )
    .option('--backend <name>', 'tfjs backend: wasm or cpu', 'wasm')
    .showHelpAfterError()
    .action(async (o: Record<string, unknown>) => {
      if (o.backend !== 'wasm' && o.backend !== 'cpu')
        throw new InvalidArgumentError('--backend must be wasm or cpu');
      let bar: SingleBar | undefined;
      const report = await prepareDataset({
        input: o.input as string,
        out: o.out as string,
        size: o.size as number,
        scale: o.scale as number,
        framesPerVideo: o.frames as number,
        ...(o.dataset === undefined ? {} : { dataset: o.dataset as string }),
        ...(o.labelMap === undefined ? {} : { labelKeys: o.labelMap as Record<string, string> }),
        minConfidence: o.minConfidence as number,
        seed: o.seed as number,
        backend: o.backend,
        onProgress: (done, total, source) => {
          if (io.tty) {
            bar ??= new SingleBar({
              format: 'faces [{bar}] {value}/{total} frames | {eta_formatted} left | {file}',
              stream: process.stderr,
            });
            if (done === 1) bar.start(total, 0, { file: '' });
            bar.update(done, { file: source.slice(-40) });
          } else if (done === total || done % 100 === 0) {
            io.err(`${done}/${total} frames\n`);
          }
        },
      });
      bar?.stop();
      io.out(summary(report));
    });
}

/** The human-readable summary the CLI prints. */
export function summary(r: PrepReport): string {
  const lines = [
    `${r.dataset}: ${r.images} frames from ${r.videos} videos in ${r.seconds.toFixed(1)} s ` +
      `(${((1000 * r.seconds) / Math.max(1, r.images)).toFixed(0)} ms per frame, face-api ${r.detector.faceApi}, ${r.detector.backend})`,
    `  faces found: ${r.found}, not found: ${r.notFound.length}, frames with several faces: ${r.multipleFaces} (largest kept)`,
    ...r.notFound.map((f) => `  no face: ${f}`),
    ...r.videosWithoutFaces.map((v) => `  video left out (no face in any frame): ${v}`),
    `  index: ${r.indexFile}`,
    `  report: ${r.reportFile}`,
    `  read it with readDeepfakeBench('${r.indexFile}', { root: '${path.dirname(r.indexFile)}', ` +
      `split, labelMap: ${JSON.stringify(r.labelMap)} })`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command on `argv` (`process.argv` shape); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = prepProgram(io).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    // commander has already printed its own usage errors and the help
    if (e instanceof CommanderError) return e.exitCode;
    io.err(`cs-dfd-prep: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
