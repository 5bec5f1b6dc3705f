// Face preprocessing on the photos that ship in @vladmandic/face-api's demo folder. The expected face counts were
// established by looking at the photos (sample1: three women, one with a bow; sample2: three women on a sofa;
// sample3: three women at a bar; sample4: four women; sample5: five women on stairs; sample6: four women), not by
// running this code.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Point } from '@cs-dfd/imaging';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeepfakeBench } from '../src/deepfakebench.js';
import { DataError } from '../src/errors.js';
import { readImageFolder } from '../src/folder.js';
import { loadImage } from '../src/image.js';
import { loadLandmarks } from '../src/landmarks.js';
import { type FaceDetector, faceApiDemoDir, loadFaceDetector } from '../src/prep/detector.js';
import { type PrepReport, prepareDataset } from '../src/prep/prepare.js';
import { alignmentTemplate, fivePoints } from '../src/prep/template.js';
import type { Split } from '../src/types.js';
import { tmpDir } from './fixtures.js';

const HUMAN_COUNTS: Record<string, number> = {
  'sample1.jpg': 3,
  'sample2.jpg': 3,
  'sample3.jpg': 3,
  'sample4.jpg': 4,
  'sample5.jpg': 5,
  'sample6.jpg': 4,
};

const demo = faceApiDemoDir();

describe('prepareDataset on face-api demo photos', () => {
  // @vladmandic/face-api is a dependency of this package: its demo photos must be there, so no skip.
  it('finds the demo photos that ship inside @vladmandic/face-api', () => {
    expect(demo, '@vladmandic/face-api demo folder not found (pnpm install)').toBeDefined();
  });
  let detector: FaceDetector;
  let input: string;
  let out: string;
  let report: PrepReport;
  let tensorsBefore: number;

  beforeAll(async () => {
    detector = await loadFaceDetector({ backend: 'wasm' });
    input = path.join(await tmpDir(), 'demo-in');
    out = path.join(await tmpDir(), 'demo-out');
    await mkdir(path.join(input, 'real'), { recursive: true });
    for (const f of Object.keys(HUMAN_COUNTS))
      await copyFile(path.join(demo!, f), path.join(input, 'real', f));
    // a blank frame: no face to find
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .png()
      .toFile(path.join(input, 'real', 'blank.png'));
    // a "fake" video given as a folder of three frames, of which framesPerVideo 1 takes the middle one: the photo
    // mirrored (the other two are blank, so picking the wrong frame finds no face)
    const clip = path.join(input, 'fake', 'swap', 'clip');
    await mkdir(clip, { recursive: true });
    const blank = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 9, b: 9 } } });
    await blank.clone().png().toFile(path.join(clip, '0.png'));
    await sharp(path.join(demo!, 'sample3.jpg')).resize(640).flop().toFile(path.join(clip, '1.png'));
    await blank.clone().png().toFile(path.join(clip, '10.png'));
    tensorsBefore = detector.numTensors();
    report = await prepareDataset({
      input,
      out,
      dataset: 'demo',
      size: 128,
      detector,
      labelKeys: { swap: 'demo_swap' },
      framesPerVideo: 1,
    });
  }, 120_000);

  it('counts the faces a person counts in every demo photo', () => {
    const counts = Object.fromEntries(
      report.frames.filter((f) => f.labelKey === 'demo_real').map((f) => [path.basename(f.source), f.faces]),
    );
    expect(counts).toEqual({ ...HUMAN_COUNTS, 'blank.png': 0 });
    // the clip's middle frame (natural order 0, 1, 10): the mirrored photo with its three faces
    expect(report.frames.filter((f) => f.labelKey === 'demo_swap').map((f) => [f.frame, f.faces])).toEqual([
      [1, 3],
    ]);
  });

  it('reports the frame without a face, counts the rest, and writes nothing for it', () => {
    expect(report.images).toBe(8);
    expect(report.found).toBe(7);
    expect(report.notFound).toEqual([path.join(input, 'real', 'blank.png')]);
    expect(report.multipleFaces).toBe(7);
    expect(report.videosWithoutFaces).toEqual([path.join(input, 'real', 'blank.png')]);
    expect(report.labelMap).toEqual({ demo_real: 0, demo_swap: 1 });
  });

  it('leaks no tensors', () => {
    expect(detector.numTensors()).toBe(tensorsBefore);
  });

  it("writes an index that readDeepfakeBench reads back, with the folder reader's split of each video", async () => {
    const back = [];
    for (const split of ['train', 'val', 'test'] as Split[]) {
      let folderVideos: string[] = [];
      try {
        const raw = await readImageFolder(input, { split, dataset: 'demo' });
        folderVideos = [...new Set(raw.records.map((r) => r.videoId.split('/').pop()!))];
      } catch (e) {
        expect((e as DataError).code).toBe('empty-split');
      }
      let records: Awaited<ReturnType<typeof readDeepfakeBench>>['records'] = [];
      try {
        records = (await readDeepfakeBench(report.indexFile, { root: out, split, labelMap: report.labelMap }))
          .records;
      } catch (e) {
        expect((e as DataError).code).toBe('empty-split');
      }
      const prepped = [...new Set(records.map((r) => r.videoId.split('/').pop()!))];
      // same split per video as reading the raw folder; the blank frame's video is left out
      expect(prepped.sort()).toEqual(folderVideos.filter((v) => v !== 'blank').sort());
      back.push(...records);
    }
    expect(back).toHaveLength(7);
    for (const r of back) {
      expect(r.image).toMatch(/demo[/\\]demo_(real|swap)[/\\]frames[/\\].+[/\\]\d{3}\.png$/);
      expect(r.label).toBe(r.method === 'demo_swap' ? 1 : 0);
      const lm = await loadLandmarks(r.landmarks!);
      expect(lm).toHaveLength(68);
      const img = await loadImage(r.image);
      expect([img.width, img.height]).toEqual([128, 128]);
    }
  });

  it('aligns the five key points onto the template and keeps the eyes above the nose above the mouth', async () => {
    const template = alignmentTemplate(128, 1.3);
    for (const f of report.frames.filter((x) => x.landmarkFile !== undefined)) {
      const lm = (await loadLandmarks(f.landmarkFile!)) as Point[];
      const five = fivePoints(lm);
      // the least-squares fit leaves each key point within 8 % of the crop of its template position
      for (let i = 0; i < 5; i++) {
        expect(Math.hypot(five[i]![0] - template[i]![0], five[i]![1] - template[i]![1])).toBeLessThan(
          0.08 * 128,
        );
      }
      const [leftEye, rightEye, nose, mouthL, mouthR] = five as [Point, Point, Point, Point, Point];
      expect(leftEye[0]).toBeLessThan(rightEye[0]);
      expect(Math.max(leftEye[1], rightEye[1])).toBeLessThan(nose[1]);
      expect(nose[1]).toBeLessThan(Math.min(mouthL[1], mouthR[1]));
      // the whole face (jaw 0..16 included) lies inside the crop
      for (const [x, y] of lm) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(128);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(128);
      }
    }
  });

  it("finds the landmarks inside the largest face box, as face-api's own withFaceLandmarks() does", async () => {
    const small = await sharp(path.join(demo!, 'sample2.jpg')).resize(640).png().toBuffer();
    const file = path.join(await tmpDir(), 'sample2-640.png');
    await writeFile(file, small);
    const img = await loadImage(file);
    const r = await detector.detect(img);
    const box = r.faces[r.largest]!.box;
    for (const f of r.faces) expect(f.box.width * f.box.height).toBeLessThanOrEqual(box.width * box.height);
    const lm = r.landmarks!;
    const padX = 0.15 * box.width;
    const padY = 0.15 * box.height;
    for (const [x, y] of lm) {
      expect(x).toBeGreaterThan(box.x - padX);
      expect(x).toBeLessThan(box.x + box.width + padX);
      expect(y).toBeGreaterThan(box.y - padY);
      expect(y).toBeLessThan(box.y + box.height + padY);
    }
    const [le, re, nose, ml, mr] = fivePoints(lm) as [Point, Point, Point, Point, Point];
    expect(Math.max(le[1], re[1])).toBeLessThan(nose[1]);
    expect(nose[1]).toBeLessThan(Math.min(ml[1], mr[1]));

    // independent path: face-api's full pipeline on the same tensor, then its largest face
    const faceapi = createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node-wasm.js');
    const t = faceapi.tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const all = await faceapi
      .detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 }))
      .withFaceLandmarks();
    faceapi.tf.dispose(t);
    const area = (d: { detection: { box: { width: number; height: number } } }) =>
      d.detection.box.width * d.detection.box.height;
    const theirs = all.reduce((a: (typeof all)[0], b: (typeof all)[0]) => (area(b) > area(a) ? b : a));
    const pts = theirs.landmarks.positions as { x: number; y: number }[];
    // face-api shifts by the unclipped, unfloored box; this face is inside the photo, so within a pixel
    for (let i = 0; i < 68; i++) {
      expect(Math.abs(pts[i]!.x - lm[i]![0])).toBeLessThan(1);
      expect(Math.abs(pts[i]!.y - lm[i]![1])).toBeLessThan(1);
    }
  }, 30_000);

  it('names an undecodable image in a DataError', async () => {
    const bad = path.join(await tmpDir(), 'bad');
    await mkdir(path.join(bad, 'real'), { recursive: true });
    await writeFile(path.join(bad, 'real', 'broken.jpg'), 'not a jpeg');
    const err = await prepareDataset({ input: bad, out: path.join(bad, 'out'), detector }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.code).toBe('corrupt-image');
    expect(err.message).toContain(path.join(bad, 'real', 'broken.jpg'));
  });

  afterAll(() => undefined);
});
