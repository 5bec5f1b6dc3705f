/**
 * The registry of faceworld's families. Adding a family: write `families/<name>.ts` exporting a
 * `defineFamily({...})` (its description and `render`), and append it to {@link FAMILY_REGISTRY}. Append, never
 * insert: a family's index in the registry seeds its random streams, so the order keeps every existing family's
 * bytes.
 */
import type { DatasetName, FamilyInfo, ForgeryFamily } from './family.js';
import { fwMouth } from './fw-mouth.js';
import { fwReal } from './fw-real.js';
import { fwReenact } from './fw-reenact.js';
import { fwSwap } from './fw-swap.js';
import { fwtPartial } from './fwt-partial.js';
import { fwtReal } from './fwt-real.js';
import { fwtSwap } from './fwt-swap.js';
import { fwtSynth } from './fwt-synth.js';

/** Every family, in a fixed order (its index seeds the family's random streams). */
export const FAMILY_REGISTRY = [
  fwReal,
  fwSwap,
  fwReenact,
  fwMouth,
  fwtReal,
  fwtSwap,
  fwtPartial,
  fwtSynth,
] as const;

/** One family label. */
export type FamilyLabel = (typeof FAMILY_REGISTRY)[number]['label'];

/** The label of every kind of video faceworld writes, in registry order; the label is also the family's name. */
export const FAMILY_LABELS: readonly FamilyLabel[] = FAMILY_REGISTRY.map((f) => f.label);

const byLabel = new Map<string, ForgeryFamily<FamilyLabel>>(FAMILY_REGISTRY.map((f) => [f.label, f]));

/** The family of a label, or `undefined` for an unknown one. */
export function familyOf(label: string): ForgeryFamily<FamilyLabel> | undefined {
  return byLabel.get(label);
}

/** The families' descriptions by label (what `faceworld.json` lists). */
export const FAMILIES: Readonly<Record<FamilyLabel, FamilyInfo<FamilyLabel>>> = Object.fromEntries(
  FAMILY_REGISTRY.map(({ label, dataset, target, role, pool, donor, trace }) => [
    label,
    { label, dataset, target, role, pool, donor, trace },
  ]),
) as Record<FamilyLabel, FamilyInfo<FamilyLabel>>;

/** Index of a family in {@link FAMILY_REGISTRY}. */
export function familyIndex(label: FamilyLabel): number {
  return FAMILY_LABELS.indexOf(label);
}

/** Families of one dataset, in order. */
export function familiesOf(dataset: DatasetName): FamilyLabel[] {
  return FAMILY_LABELS.filter((l) => FAMILIES[l].dataset === dataset);
}

export {
  DATASETS,
  type DatasetName,
  defineFamily,
  type FamilyContext,
  type FamilyInfo,
  type FamilyOutput,
  type ForgeryFamily,
} from './family.js';
