#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { contactSheet } from './contact-sheet.js';
import { generateDataset } from './generate.js';
import { DEFAULTS, FaceworldOptionsError, type FaceworldOptionsInput, parseOptions } from './options.js';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
    return n;
  };
}

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

interface Flags {
  out: string;
  seed: number;
  identities: number;
  targetIdentities: number;
  videosPerIdentity: number;
  frames: number;
  size: number;
  sharedCue: number;
  opposingTrace: number;
  targetJpeg?: number;
  sourceJpeg?: number;
  workers?: number;
  contactSheet?: string | boolean;
  sheetOnly?: boolean;
}

const program = new Command()
  .name('cs-dfd-faceworld')
  .description(
    'Generate the SYNTHETIC faceworld face-video dataset (DeepfakeBench JSON layout, PNG frames, 68-point landmark JSON).',
  )
  .requiredOption('--out <dir>', 'output root')
  .option('--seed <n>', 'dataset seed', int('--seed'), DEFAULTS.seed)
  .option(
    '--identities <n>',
    'source-domain people (split 70/15/15 by person)',
    int('--identities'),
    DEFAULTS.identities,
  )
  .option(
    '--target-identities <n>',
    'held-out target-domain people',
    int('--target-identities'),
    DEFAULTS.targetIdentities,
  )
  .option(
    '--videos-per-identity <n>',
    'clips per person',
    int('--videos-per-identity'),
    DEFAULTS.videosPerIdentity,
  )
  .option('--frames <n>', 'frames sampled evenly from each 250-frame clip', int('--frames'), DEFAULTS.frames)
  .option('--size <px>', 'frame side in pixels', int('--size'), DEFAULTS.size)
  .option(
    '--shared-cue <x>',
    'source fakes: colour mismatch / boundary sharpness, 0..1',
    num('--shared-cue'),
    DEFAULTS.sharedCue,
  )
  .option(
    '--opposing-trace <x>',
    'source fakes: added high-frequency energy, 0..1',
    num('--opposing-trace'),
    DEFAULTS.opposingTrace,
  )
  .option(
    '--source-jpeg <q>',
    `source camera JPEG quality (default ${DEFAULTS.sourceCamera.jpegQuality})`,
    int('--source-jpeg'),
  )
  .option(
    '--target-jpeg <q>',
    `target camera JPEG quality (default ${DEFAULTS.targetCamera.jpegQuality})`,
    int('--target-jpeg'),
  )
  .option('--workers <n>', 'worker threads (default: min(2, cores))', int('--workers'))
  .option('--contact-sheet [file]', 'also write a contact-sheet PNG (default <out>/contact-sheet.png)')
  .option('--sheet-only', 'write only the contact sheet')
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const f = program.opts<Flags>();
  const input: FaceworldOptionsInput = {
    seed: f.seed,
    identities: f.identities,
    targetIdentities: f.targetIdentities,
    videosPerIdentity: f.videosPerIdentity,
    frames: f.frames,
    size: f.size,
    sharedCue: f.sharedCue,
    opposingTrace: f.opposingTrace,
    sourceCamera: {
      ...DEFAULTS.sourceCamera,
      ...(f.sourceJpeg === undefined ? {} : { jpegQuality: f.sourceJpeg }),
    },
    targetCamera: {
      ...DEFAULTS.targetCamera,
      ...(f.targetJpeg === undefined ? {} : { jpegQuality: f.targetJpeg }),
    },
  };
  const options = parseOptions(input);
  const out = resolve(f.out);
  if (!f.sheetOnly) {
    const tty = process.stderr.isTTY === true;
    const bar = tty
      ? new SingleBar({
          format:
            'faceworld |{bar}| {percentage}% {value}/{total} frames | {rate} frames/s | ETA {eta_formatted}',
          hideCursor: true,
        })
      : null;
    let lastLine = 0;
    const t0 = performance.now();
    const result = await generateDataset(options, {
      out,
      ...(f.workers === undefined ? {} : { workers: f.workers }),
      onProgress: ({ done, total }) => {
        const rate = (done / ((performance.now() - t0) / 1000)).toFixed(0);
        if (bar) {
          if (done === 1) bar.start(total, 0, { rate });
          bar.update(done, { rate });
        } else if (done === total || performance.now() - lastLine > 5000) {
          lastLine = performance.now();
          process.stderr.write(`faceworld: ${done}/${total} frames (${rate} frames/s)\n`);
        }
      },
    });
    bar?.stop();
    process.stdout.write(
      `faceworld: wrote ${result.frames} frames in ${result.videos} clips to ${out} in ${result.seconds.toFixed(1)} s ` +
        `(${(result.frames / result.seconds).toFixed(0)} frames/s, ${result.workers} workers)\n` +
        Object.values(result.indexes)
          .map((p) => `  index ${p}\n`)
          .join('') +
        `  meta  ${result.meta}\n`,
    );
  }
  if (f.contactSheet !== undefined || f.sheetOnly) {
    const file =
      typeof f.contactSheet === 'string' ? resolve(f.contactSheet) : resolve(out, 'contact-sheet.png');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, await contactSheet(options));
    process.stdout.write(`  sheet ${file}\n`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof FaceworldOptionsError) process.stderr.write(`cs-dfd-faceworld: ${err.message}\n`);
  else
    process.stderr.write(
      `cs-dfd-faceworld: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  process.exitCode = 1;
});
