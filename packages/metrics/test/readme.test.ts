// The README's example, kept runnable: if this test changes, update the README.
import { expect, it } from 'vitest';
import { auc, bootstrapCI, chooseThreshold, evaluate, videoScores } from '../src/index.js';

it('README example', () => {
  // frame scores from a detector (1 = fake); ids unique across methods
  const ids = ['ff/Deepfakes/000_003', 'ff/Deepfakes/000_003', 'ff/Face2Face/000_003', 'ff/youtube/000'];
  const labels = [1, 1, 1, 0];
  const scores = [0.9, 0.7, 0.4, 0.3];

  const video = videoScores(ids, labels, scores); // 3 videos: mean 0.8, 0.4, 0.3
  const threshold = chooseThreshold(labels, scores).threshold; // choose on validation data, not test
  const report = evaluate(video.labels, video.scores, { threshold });
  const ci = bootstrapCI(video.labels, video.scores, (y, s) => auc(y, s, { warn: () => {} }), { rng: 1 });

  expect(video.videoIds).toHaveLength(3);
  expect(threshold).toBeCloseTo(0.35, 12); // between the real's 0.3 and the lowest fake 0.4
  expect(report.auc).toBe(1);
  expect(report.at05.fake).toBe(0.5); // the Face2Face video (0.4) is missed at 0.5
  expect(report.atThreshold?.fake).toBe(1);
  expect([ci.lower, ci.upper]).toEqual([1, 1]);
});
