import sharp, { type OverlayOptions } from 'sharp';
import { FAMILIES, FAMILY_LABELS, type FamilyLabel } from './families/index.js';
import type { FaceworldOptionsInput } from './options.js';
import { Faceworld } from './world.js';

/** Layout of a contact sheet. */
export interface ContactSheetOptions {
  /** Clips per row (different people), default 6. */
  readonly columns?: number;
  /** Upscaling of each frame (nearest neighbour, so traces stay visible), default 2. */
  readonly zoom?: number;
  /** Families, one per row; default every family. */
  readonly families?: readonly FamilyLabel[];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

/**
 * A PNG grid: one row per family (reals and every forgery family), one column per person, each cell the middle
 * frame of the person's first clip, with the family label on the left. Rows of a clip show the same frame, so a
 * forgery can be compared with the real it came from.
 */
export async function contactSheet(
  input: FaceworldOptionsInput = {},
  layout: ContactSheetOptions = {},
): Promise<Buffer> {
  const world = new Faceworld(input);
  const size = world.options.size;
  const columns = layout.columns ?? 6;
  const zoom = layout.zoom ?? 2;
  const families = layout.families ?? FAMILY_LABELS;
  const cell = size * zoom;
  const labelWidth = 150;
  const width = labelWidth + columns * cell;
  const height = families.length * cell;
  const frame = Math.floor(world.options.frames / 2);
  const tiles: OverlayOptions[] = [];
  for (const [r, family] of families.entries()) {
    const pool = FAMILIES[family].pool;
    for (let c = 0; c < columns; c++) {
      const id = c % world.poolSize(pool);
      const f = await world.renderFrame({ family, identity: id, video: 0, frame });
      const tile = await sharp(f.image, { raw: { width: size, height: size, channels: 3 } })
        .resize(cell, cell, { kernel: 'nearest' })
        .png()
        .toBuffer();
      tiles.push({ input: tile, left: labelWidth + c * cell, top: r * cell });
    }
    const role = FAMILIES[family].role;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth}" height="${cell}">
<text x="8" y="${cell / 2}" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#eee">${escapeXml(family)}</text>
<text x="8" y="${cell / 2 + 20}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#aaa">${role}</text></svg>`;
    tiles.push({ input: Buffer.from(svg), left: 0, top: r * cell });
  }
  return sharp({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 28 } } })
    .composite(tiles)
    .png()
    .toBuffer();
}
