// The run's events: their order over a whole run and a resumed one, the log.jsonl writer running before every
// other listener, the hooks as listeners, and a throwing listener stopping the run at a resumable point.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { on, resolveConfig, type TrainEvent, train } from '../src/index.js';
import { tinyRaw } from './fixture.js';

const SETS = [
  'train.steps=4',
  'train.evalEvery=2',
  'train.checkpointEvery=2',
  'diagnostics.largeBatchEvery=2',
];

/** The event types in order, with the step of those that have one (`step:3`, `eval:2`, ...). */
function trace(events: TrainEvent[]): string[] {
  return events
    .filter((e) => e.type !== 'message' && e.type !== 'data-progress')
    .map((e) => {
      switch (e.type) {
        case 'step':
          return `step:${e.done}`;
        case 'eval':
        case 'checkpoint':
          return `${e.type}:${e.step}`;
        case 'diagnostics':
          return `diagnostics:${e.record.step}`;
        case 'final-eval':
          return `final-eval:${e.split}`;
        default:
          return e.type;
      }
    });
}

const lastLogLine = async (out: string) =>
  JSON.parse((await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n').at(-1)!) as Record<
    string,
    unknown
  >;

describe('train() events', () => {
  it('come in phase order; each step, eval and diagnostics line is on disk before later listeners see it', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-training-events-'));
    const events: TrainEvent[] = [];
    const onDisk: boolean[] = [];
    const afterCheckpoint: number[] = [];
    const { report } = await train({
      config: resolveConfig(tinyRaw(SETS)),
      out,
      hooks: { afterCheckpoint: (s) => afterCheckpoint.push(s) },
      onEvent: async (e) => {
        events.push(e);
        const line = await lastLogLine(out).catch(() => null);
        if (e.type === 'step')
          onDisk.push(JSON.stringify(line) === JSON.stringify({ type: 'step', ...e.record }));
        if (e.type === 'eval')
          onDisk.push(line?.type === 'eval' && line.step === e.step && line.best === e.best);
        if (e.type === 'diagnostics') onDisk.push(JSON.stringify(line) === JSON.stringify(e.record));
      },
    });
    expect(trace(events)).toEqual([
      'setup',
      'data',
      'run-start',
      'step:1',
      'step:2',
      'eval:2',
      'diagnostics:2',
      'checkpoint:2',
      'step:3',
      'step:4',
      'eval:4',
      'diagnostics:4',
      'checkpoint:4',
      'loop-end',
      'final-eval:val',
      'final-eval:test',
      'final-eval:cross:faceworld-target',
      'run-end',
    ]);
    expect(onDisk).toEqual(new Array(8).fill(true));
    expect(afterCheckpoint).toEqual([2, 4]);
    const start = events.find((e) => e.type === 'run-start')!;
    expect(start).toMatchObject({ totalSteps: 4, startStep: 0, method: report.method });
    expect('resumedFrom' in start).toBe(false);
    const end = events.at(-1)!;
    expect(end.type === 'run-end' && end.report).toBe(report);
    for (const e of events) {
      if (e.type === 'final-eval') expect(e.metrics).toEqual(report.metrics[e.split]);
      if (e.type !== 'step') continue;
      expect(e.record.step).toBe(e.done - 1);
      expect(e.totalSteps).toBe(4);
      for (const ms of Object.values(e.timing)) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    }
    // the messages a progress display prints
    const messages = events.filter((e) => e.type === 'message').map((e) => e.text);
    expect(messages[0]).toMatch(/^backend: wasm/);

    // report.timing is the events summed: counts from the trace, each part within the loop, parts within wholes
    const t = report.timing;
    const sum = (type: string, part: (e: TrainEvent) => number) =>
      events.filter((e) => e.type === type).reduce((a, e) => a + part(e), 0);
    expect([t.steps, t.validation.count, t.checkpoint.count, t.diagnostics.count]).toEqual([4, 2, 2, 2]);
    expect(t.step.computeMs).toBeCloseTo(
      sum('step', (e) => (e.type === 'step' ? e.timing.computeMs : 0)),
      6,
    );
    expect(t.checkpoint.ms).toBeCloseTo(
      sum('checkpoint', (e) => (e.type === 'checkpoint' ? e.timing.ms : 0)),
      6,
    );
    expect(t.step.packMs).toBeLessThanOrEqual(t.step.computeMs);
    expect(t.validation.saveMs).toBeLessThanOrEqual(t.validation.ms);
    const c = t.checkpoint;
    expect(c.serialiseMs + c.writeMs + c.hashMs).toBeLessThanOrEqual(c.ms);
    expect(t.diagnostics.ms).toBeCloseTo(report.diagnosticsSeconds * 1000, 6);
    for (const ms of [t.dataMs, t.startMs, t.loopMs, t.loopOtherMs, t.finalEvalMs, t.gradcamMs])
      expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    expect(t.loopMs).toBeLessThanOrEqual(report.wallSeconds * 1000);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('## Where the wall time went');
  });

  it('a listener that throws stops the run; the resumed run starts at the checkpoint and says so', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-training-events-stop-'));
    const config = resolveConfig(tinyRaw(SETS));
    const stop = on('step', (e) => {
      if (e.done === 3) throw new Error('stop at 3');
    });
    const failed: unknown[] = [];
    const afterStop = on('run-error', (e) => {
      failed.push(e.error);
      throw new Error('a failing run-error listener does not hide the run error');
    });
    const alsoAfter = on('run-error', (e) => void failed.push(e.out));
    await expect(train({ config, out, onEvent: [stop, afterStop, alsoAfter] })).rejects.toThrow('stop at 3');
    expect(failed).toHaveLength(2);
    expect((failed[0] as Error).message).toBe('stop at 3');
    expect(failed[1]).toBe(out);
    const events: TrainEvent[] = [];
    await train({ config, out, resume: true, onEvent: (e) => void events.push(e) });
    expect(trace(events)).toEqual([
      'setup',
      'data',
      'run-start',
      'step:3',
      'step:4',
      'eval:4',
      'diagnostics:4',
      'checkpoint:4',
      'loop-end',
      'final-eval:val',
      'final-eval:test',
      'final-eval:cross:faceworld-target',
      'run-end',
    ]);
    const start = events.find((e) => e.type === 'run-start')!;
    expect(start).toMatchObject({ startStep: 2, resumedFrom: join(out, 'checkpoint') });
    expect(events.some((e) => e.type === 'message' && e.text.startsWith('resumed at step 2'))).toBe(true);
  });
});

describe('on()', () => {
  it('passes only its event type through', async () => {
    const seen: number[] = [];
    const l = on('checkpoint', (e) => void seen.push(e.step));
    await l({
      type: 'checkpoint',
      step: 2,
      folder: 'x',
      timing: { ms: 0, serialiseMs: 0, writeMs: 0, hashMs: 0 },
    });
    await l({ type: 'loop-end', totalSteps: 2, skippedSteps: 0 });
    await l({ type: 'message', text: 'checkpoint' });
    expect(seen).toEqual([2]);
  });
});
