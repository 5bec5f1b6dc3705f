import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodColorScale } from '../src/grid/report/colors.js';
import { GridReportError } from '../src/grid/report/errors.js';
import { escapeHtml, formatStat, relativeHref, renderPage, tableIds } from '../src/grid/report/html.js';
import { parseCsv, parseScores } from '../src/grid/report/inputs.js';
import type { GridResults, GridSummary } from '../src/grid/types.js';
import { HOSTILE, makeGrid } from './fixtures/grid-report/make.js';

let dir: string;
let results: GridResults;
let summary: GridSummary;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'grid-report-html-'));
  ({ results, summary } = await makeGrid(dir));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('escaping and formatting', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(HOSTILE)).toBe('&lt;b&gt;&amp;x');
    expect(escapeHtml(`a"b'c`)).toBe('a&quot;b&#39;c');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('percent-encodes each path segment of a link, keeping the slashes', () => {
    expect(relativeHref('cells/uvs+cgr/seed-0/report.md')).toBe('cells/uvs%2Bcgr/seed-0/report.md');
    expect(relativeHref('a b/c#d?.md')).toBe('a%20b/c%23d%3F.md');
  });

  it('formats mean [lo, hi], a bare mean without an interval, and n/a for no mean', () => {
    expect(formatStat({ mean: 0.8123, lo: 0.7501, hi: 0.8749, n: 2 })).toBe('0.812 [0.750, 0.875]');
    expect(formatStat({ mean: 0.65, lo: null, hi: null, n: 1 })).toBe('0.650');
    expect(formatStat({ mean: null, lo: null, hi: null, n: 0 })).toBe('n/a');
    expect(formatStat({ mean: Number.NaN, lo: 0, hi: 1, n: 2 })).toBe('n/a');
    expect(formatStat(undefined)).toBe('n/a');
  });
});

describe('methodColorScale', () => {
  it('gives a method the same colour whichever other methods a plot shows', () => {
    const all = ['orig-only', 'syn-only', 'joint', 'uvs'];
    const full = methodColorScale(all, all);
    const some = methodColorScale(all, ['uvs', 'joint']);
    expect(some.domain).toEqual(['joint', 'uvs']);
    expect(some.range).toEqual([full.range[2], full.range[3]]);
    expect(new Set(full.range).size).toBe(4);
    const many = Array.from({ length: 12 }, (_, i) => `m${i}`);
    expect(new Set(methodColorScale(many, many).range).size).toBe(12);
  });
});

describe('renderPage', () => {
  const page = () =>
    renderPage({
      results,
      summary,
      plots: [{ title: `ROC ${HOSTILE}`, base: 'plots/roc-test' }],
      cells: results.cells.map(() => ({ hasReport: true })),
      notes: [`note about ${HOSTILE}`],
      files: ['tables.md'],
    });

  it('never lets a method name, machine, command or override through unescaped', () => {
    const html = page();
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<i>not html</i>');
    expect(html).not.toContain('<cpu>');
    expect(html).toContain('<td>&lt;b&gt;&amp;x</td>');
    expect(html).toContain('test machine &lt;cpu&gt; &amp; co');
    expect(html).toContain('--out &quot;x &amp; y&quot;');
    expect(html).toContain('<li>note about &lt;b&gt;&amp;x</li>');
  });

  it('is an HTML5 document with one table per id, no scripts and only relative links', () => {
    const html = page();
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    for (const id of tableIds(summary)) expect(html.split(`<table id="${id}">`)).toHaveLength(2);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    const refs = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(results.cells.length);
    for (const r of refs) expect(r).toMatch(/^(plots|cells)\/|^tables\.md$/);
    expect(refs).toContain('cells/uvs%2Bcgr/seed-1/report.md');
  });
});

describe('parseCsv / parseScores', () => {
  it('reads quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, ""y""",2\n', 'f.csv')).toEqual([
      ['a', 'b'],
      ['x, "y"', '2'],
    ]);
  });

  it('finds label and score by header name', () => {
    const got = parseScores(
      'image,label,method,video,score\n"a,1",1,sbi,v0,0.75\nb,0,real,v1,-2e-3\n',
      'f.csv',
    );
    expect([...got.labels]).toEqual([1, 0]);
    expect([...got.scores]).toEqual([0.75, -0.002]);
  });

  it('names file, record and value of a bad label or score', () => {
    const head = 'image,label,method,video,score\n';
    expect(() => parseScores(`${head}a,2,m,v,0.5\n`, 'cells/j/scores/test.csv')).toThrow(
      'cells/j/scores/test.csv: record 2: label is "2", expected 0 or 1',
    );
    expect(() => parseScores(`${head}a,1,m,v,0.5\na,0,m,v,nan\n`, 'f.csv')).toThrow(
      'f.csv: record 3: score is "nan", expected a finite number',
    );
    expect(() => parseScores('image,score\na,0.5\n', 'f.csv')).toThrow(GridReportError);
    expect(() => parseCsv('a,"b\n', 'f.csv')).toThrow(/f\.csv:2: unterminated quoted field/);
  });
});
