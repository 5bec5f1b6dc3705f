/** The label of every kind of video faceworld writes; the label is also the family's name. */
export const FAMILY_LABELS = [
  'FW_real',
  'FW_swap',
  'FW_reenact',
  'FW_mouth',
  'FWT_real',
  'FWT_swap',
  'FWT_partial',
  'FWT_synth',
] as const;

/** One family label. */
export type FamilyLabel = (typeof FAMILY_LABELS)[number];

/** The two datasets faceworld writes. */
export const DATASETS = { source: 'faceworld-source', target: 'faceworld-target' } as const;

/** A dataset name. */
export type DatasetName = (typeof DATASETS)[keyof typeof DATASETS];

/** What a family is and where it goes. */
export interface FamilyInfo {
  readonly label: FamilyLabel;
  readonly dataset: DatasetName;
  /** 0 real, 1 fake (DeepfakeBench's label_dict value). */
  readonly target: 0 | 1;
  /** `source` forgeries train the detector; `target` ones are held out (cross-dataset test only). */
  readonly role: 'real' | 'source' | 'target';
  /** Identity pool: 0 source people, 1 target people. */
  readonly pool: 0 | 1;
  /** Whether another person of the same split provides a face or an expression. */
  readonly donor: boolean;
  /** Short description of the manipulation and its low-level trace. */
  readonly trace: string;
}

/** The families, in a fixed order (their index seeds per-family random streams). */
export const FAMILIES: Readonly<Record<FamilyLabel, FamilyInfo>> = {
  FW_real: {
    label: 'FW_real',
    dataset: DATASETS.source,
    target: 0,
    role: 'real',
    pool: 0,
    donor: false,
    trace: 'captured by the source camera; no manipulation',
  },
  FW_swap: {
    label: 'FW_swap',
    dataset: DATASETS.source,
    target: 1,
    role: 'source',
    pool: 0,
    donor: true,
    trace:
      'face swap (inner face of a donor, landmark-hull mask); generator renders at 1/2 of the 64-px analysis ' +
      'scale and upsamples by nearest neighbour (block fingerprint); sharedCue sets colour mismatch and mask ' +
      'sharpness; opposingTrace adds sharpening and fine noise',
  },
  FW_reenact: {
    label: 'FW_reenact',
    dataset: DATASETS.source,
    target: 1,
    role: 'source',
    pool: 0,
    donor: true,
    trace:
      "expression re-enactment: mouth and eyes re-rendered with a donor clip's expression (component masks); " +
      'smooth generator with a diagonal spectral peak (period 4 analysis px); sharedCue and opposingTrace as above',
  },
  FW_mouth: {
    label: 'FW_mouth',
    dataset: DATASETS.source,
    target: 1,
    role: 'source',
    pool: 0,
    donor: true,
    trace:
      "mouth re-texturing (neural-texture-like): mouth region re-rendered with a donor clip's mouth motion, " +
      'posterised texture and a 2-px dot grid; sharedCue and opposingTrace as above',
  },
  FWT_real: {
    label: 'FWT_real',
    dataset: DATASETS.target,
    target: 0,
    role: 'real',
    pool: 1,
    donor: false,
    trace: 'captured by the target camera; no manipulation',
  },
  FWT_swap: {
    label: 'FWT_swap',
    dataset: DATASETS.target,
    target: 1,
    role: 'target',
    pool: 1,
    donor: true,
    trace:
      'face swap with an elliptical mask (another blend shape), bilinear-upsampled low-pass generator, ' +
      'partial colour transfer, medium feather; no added high frequencies',
  },
  FWT_partial: {
    label: 'FWT_partial',
    dataset: DATASETS.target,
    target: 1,
    role: 'target',
    pool: 1,
    donor: true,
    trace:
      "partial swap of the donor's brows, eyes and nose (band mask, near-sharp edge, colour mismatch); " +
      'horizontal spectral peak (period 6 analysis px)',
  },
  FWT_synth: {
    label: 'FWT_synth',
    dataset: DATASETS.target,
    target: 1,
    role: 'target',
    pool: 1,
    donor: false,
    trace:
      'whole-frame synthesis: no blending boundary, no sensor noise, low-pass generator with a periodic ' +
      '8-px (analysis scale) grid',
  },
};

/** Index of a family in {@link FAMILY_LABELS}. */
export function familyIndex(label: FamilyLabel): number {
  return FAMILY_LABELS.indexOf(label);
}

/** Families of one dataset, in order. */
export function familiesOf(dataset: DatasetName): FamilyLabel[] {
  return FAMILY_LABELS.filter((l) => FAMILIES[l].dataset === dataset);
}
