/**
 * Readers of a grid cell's trainer output: the per-step gradient cosines of `log.jsonl` and the frame scores of
 * `scores/<split>.csv`. Only the fields the plots need are kept.
 */
import { readFile } from 'node:fs/promises';
import { GridReportError } from './errors.js';

/** One logged optimizer step that carried a finite cos(g_original, g_synthesized). */
export interface CosinePoint {
  step: number;
  cosine: number;
}

/**
 * The finite `cosine` of every non-skipped `{"type":"step"}` line of a trainer log, in file order. Lines of other
 * types are ignored; a line that is not JSON throws {@link GridReportError} naming the file and line.
 */
export function parseCosines(text: string, file: string): CosinePoint[] {
  const out: CosinePoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new GridReportError(
        'bad-json-line',
        `${file}:${i + 1}: not a JSON line (${(e as Error).message})`,
        file,
      );
    }
    if (typeof rec !== 'object' || rec === null) continue;
    const r = rec as Record<string, unknown>;
    if (r.type !== 'step' || r.skipped === true) continue;
    if (typeof r.step === 'number' && typeof r.cosine === 'number' && Number.isFinite(r.cosine)) {
      out.push({ step: r.step, cosine: r.cosine });
    }
  }
  return out;
}

/** Splits CSV text into records of fields (RFC 4180 quoting: `"a,b"`, `""` inside quotes). */
export function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      line++;
    } else field += ch;
  }
  if (quoted) throw new GridReportError('bad-csv', `${file}:${line}: unterminated quoted field`, file);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A split's frame labels (0 real, 1 fake) and scores from one cell. */
export interface SplitScores {
  labels: Uint8Array;
  scores: Float64Array;
}

/**
 * Labels and scores of a trainer `scores/<split>.csv` (`image,label,method,video,score`; columns found by header
 * name). A label other than 0/1 or a non-finite score throws {@link GridReportError} naming file, line and value.
 */
export function parseScores(text: string, file: string): SplitScores {
  const rows = parseCsv(text, file);
  const header = rows[0];
  const li = header?.indexOf('label') ?? -1;
  const si = header?.indexOf('score') ?? -1;
  if (!header || li < 0 || si < 0)
    throw new GridReportError(
      'bad-csv',
      `${file}:1: header must name 'label' and 'score' columns, got ${JSON.stringify(header ?? [])}`,
      file,
    );
  const body = rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
  const labels = new Uint8Array(body.length);
  const scores = new Float64Array(body.length);
  body.forEach((r, k) => {
    const where = `${file}: record ${k + 2}`;
    const l = r[li];
    if (l !== '0' && l !== '1')
      throw new GridReportError('bad-csv', `${where}: label is ${JSON.stringify(l)}, expected 0 or 1`, file);
    const s = Number(r[si]);
    if (r[si] === undefined || r[si]!.trim() === '' || !Number.isFinite(s))
      throw new GridReportError(
        'bad-csv',
        `${where}: score is ${JSON.stringify(r[si])}, expected a finite number`,
        file,
      );
    labels[k] = l === '1' ? 1 : 0;
    scores[k] = s;
  });
  return { labels, scores };
}

/** Reads a file, or null when it does not exist (older trainer outputs have no `scores/`). */
export async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
