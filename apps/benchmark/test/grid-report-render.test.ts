/**
 * writeGridReport end to end on a hand-made grid folder: the plot files, then the page opened in Debian's
 * headless Chromium (from a copy of the folder, so only relative links can work).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GridReportError,
  type GridReportFiles,
  tableIds,
  writeGridReport,
} from '../src/grid/report/index.js';
import type { GridResults, GridSummary } from '../src/grid/types.js';
import { HOSTILE, METHODS, makeGrid, NO_REPORT, SPLITS } from './fixtures/grid-report/make.js';

const CHROMIUM = '/usr/bin/chromium';

/** The fields of an `<img>` the test reads (the package compiles without the DOM lib). */
interface LoadedImage {
  currentSrc: string;
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}

let root: string;
let dir: string;
let results: GridResults;
let summary: GridSummary;
let out: GridReportFiles;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'grid-report-'));
  dir = join(root, 'grid');
  ({ results, summary } = await makeGrid(dir));
  out = await writeGridReport(dir, results, summary);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeGridReport files', () => {
  it('writes ROC per split, cosine and four metric bar plots, each as PNG and SVG', () => {
    const names = out.plots.map((p) => p.slice(join(dir, 'plots').length + 1)).sort();
    const bases = [
      'roc-val',
      'roc-test',
      'roc-cross_faceworld-target',
      'cosine',
      'bars-auc',
      'bars-ap',
      'bars-eer',
      'bars-video_auc',
    ];
    expect(names).toEqual(bases.flatMap((b) => [`${b}.png`, `${b}.svg`]).sort());
    expect(out.html).toBe(join(dir, 'index.html'));
  });

  it('writes real PNGs (signature, nonzero size) and SVGs with an svg root', async () => {
    const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    for (const p of out.plots) {
      const bytes = await readFile(p);
      if (p.endsWith('.png')) {
        expect([...bytes.subarray(0, 8)], p).toEqual(PNG);
        expect(bytes.readUInt32BE(16), `${p} width`).toBeGreaterThan(100);
        expect(bytes.readUInt32BE(20), `${p} height`).toBeGreaterThan(100);
      } else {
        const text = bytes.toString('utf8');
        expect(text, p).toMatch(/^(<\?xml[^>]*>\s*)?<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        expect(text.trimEnd().endsWith('</svg>'), p).toBe(true);
      }
    }
  });

  it('draws every method in the ROC plots and leaves the one-source method out of the cosine plot', async () => {
    const roc = await readFile(join(dir, 'plots', 'roc-test.svg'), 'utf8');
    for (const m of METHODS)
      expect(roc).toContain(`>${m.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}<`);
    const cos = await readFile(join(dir, 'plots', 'cosine.svg'), 'utf8');
    expect(cos).toContain('>uvs+cgr<');
    expect(cos).not.toContain('>orig-only<');
    const html = await readFile(out.html, 'utf8');
    expect(html).toContain('no gradient cosine logged for orig-only');
  });
});

describe('index.html in headless Chromium', () => {
  it('renders every table and image with no console errors and no request outside file://', async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the HTML report test needs it. Install it with \`apt-get install -y chromium\` (Debian).`,
      );
    // A copy elsewhere: any absolute link into the original folder would break here.
    const copy = join(root, 'copied', 'grid');
    await cp(dir, copy, { recursive: true });
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(pathToFileURL(join(copy, 'index.html')).href, { waitUntil: 'load' });

      // Tables: rows as expected, and known values in the right places.
      const rows = await Promise.all(tableIds(summary).map((id) => page.locator(`#${id} tbody tr`).count()));
      expect(rows).toEqual([...SPLITS.map(() => METHODS.length), METHODS.length, results.cells.length]);
      // innerText, not textContent: the text as rendered for a reader.
      // biome-ignore lint/performance/useDomNodeTextContent: rendered text is what the test checks
      const text = (sel: string) => page.locator(sel).innerText();
      // metrics-1 = split "test"; row 1 = joint; columns: method, AUC, AP, EER, video AUC, seeds.
      expect(await text('#metrics-1 tbody tr:nth-child(1) td:nth-child(1)')).toBe('joint');
      expect(await text('#metrics-1 tbody tr:nth-child(1) td:nth-child(2)')).toBe('0.812 [0.750, 0.875]');
      expect(await text('#metrics-1 tbody tr:nth-child(1) td:nth-child(5)')).toBe('n/a');
      expect(await text('#metrics-1 caption')).toContain('test');
      expect(await text('#metrics-2 caption')).toContain('cross:faceworld-target');
      expect(await text('#efficiency tbody tr:nth-child(3) td:nth-child(2)')).toBe('n/a (one source)');
      expect(await text('#efficiency tbody tr:nth-child(2) td:nth-child(4)')).toBe('1.10×');
      // The hostile method name is text, not markup.
      expect(await text('#metrics-0 tbody tr:nth-child(4) td:nth-child(1)')).toBe(HOSTILE);
      expect(await page.locator('table b').count()).toBe(0);

      // Report links: one per cell that has a report.md, each resolving to the copied file.
      const links = await page
        .locator('#cells a')
        .evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
      expect(links).toHaveLength(results.cells.length - 1);
      for (const href of links) {
        expect(href.startsWith(pathToFileURL(copy).href)).toBe(true);
        expect(existsSync(fileURLToPath(href)), href).toBe(true);
      }
      expect(await text('#cells tbody')).toContain('no report.md');
      expect(links.some((h) => h.includes(NO_REPORT))).toBe(false);

      // Images: all loaded from the copy with a real size.
      const imgs = await page.locator('img').evaluateAll((els) =>
        els.map((e) => {
          const i = e as unknown as LoadedImage;
          return { src: i.currentSrc, ok: i.complete, w: i.naturalWidth, h: i.naturalHeight };
        }),
      );
      expect(imgs).toHaveLength(out.plots.length / 2);
      for (const i of imgs) {
        expect(i.src.startsWith(pathToFileURL(copy).href), i.src).toBe(true);
        expect(i.ok && i.w > 0 && i.h > 0, i.src).toBe(true);
      }

      expect(problems).toEqual([]);
      expect(requests.length).toBeGreaterThan(imgs.length);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await browser?.close();
    }
  });
});

describe('writeGridReport with missing per-cell inputs', () => {
  it('leaves out curves without scores or logs and says so under Notes', async () => {
    const partial = join(root, 'partial');
    await cp(dir, partial, { recursive: true });
    await rm(join(partial, 'plots'), { recursive: true });
    for (const seed of [0, 1])
      await rm(join(partial, `cells/joint/seed-${seed}/scores`), { recursive: true });
    await rm(join(partial, 'cells/uvs+cgr/seed-0/log.jsonl'));
    const got = await writeGridReport(partial, results, summary);
    const roc = await readFile(join(partial, 'plots', 'roc-test.svg'), 'utf8');
    expect(roc).not.toContain('>joint<');
    expect(roc).toContain('>uvs+cgr<');
    // uvs+cgr keeps its cosine curve from seed 1's log.
    expect(await readFile(join(partial, 'plots', 'cosine.svg'), 'utf8')).toContain('>uvs+cgr<');
    const html = await readFile(got.html, 'utf8');
    expect(html).toContain(
      '<li>ROC test: no scores file in cells/joint/seed-0/scores/test.csv, cells/joint/seed-1/scores/test.csv (left out).</li>',
    );
    expect(html).toContain('<li>Cosine: no log.jsonl in cells/uvs+cgr/seed-0 (left out).</li>');
  });

  it('names the file and line of a malformed log', async () => {
    const broken = join(root, 'broken');
    await cp(dir, broken, { recursive: true });
    await rm(join(broken, 'plots'), { recursive: true });
    await writeFile(
      join(broken, 'cells/joint/seed-1/log.jsonl'),
      '{"type":"step","step":0,"cosine":0.1}\n{oops\n',
    );
    const err = await writeGridReport(broken, results, summary).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridReportError);
    expect((err as GridReportError).file).toBe(join(broken, 'cells/joint/seed-1/log.jsonl'));
    expect((err as Error).message).toContain('log.jsonl:2: not a JSON line');
    // Inputs are read before anything is written.
    expect(existsSync(join(broken, 'plots'))).toBe(false);
  });
});

describe('writeGridReport input checks', () => {
  it.each(['../elsewhere', '/abs/cell', 'cells/../../x', ''])(
    'rejects cell dir %j, naming results.json',
    async (d) => {
      const bad = { ...results, cells: [{ ...results.cells[0]!, dir: d }] };
      const err = await writeGridReport(dir, bad, summary).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GridReportError);
      expect((err as GridReportError).code).toBe('bad-cell-dir');
      expect((err as Error).message).toContain(`cells[0].dir is ${JSON.stringify(d)}`);
    },
  );
});
