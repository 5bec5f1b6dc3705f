/**
 * @packageDocumentation
 * Every aggregator of cs-dfd by name. Each method lives in its own installable package; this table is for tools
 * that pick one from a config file or a command line (the trainer, the benchmark). Names are the ones the trainer's
 * `method` option accepts.
 */
import { alignedMtl } from '@cs-dfd/aligned-mtl';
import { cagrad } from '@cs-dfd/cagrad';
import { gradDrop } from '@cs-dfd/graddrop';
import { gradVac } from '@cs-dfd/gradvac';
import { type Aggregator, mean, sum } from '@cs-dfd/gramian';
import { imtlG } from '@cs-dfd/imtl';
import { mgda } from '@cs-dfd/mgda';
import { nashMtl } from '@cs-dfd/nash-mtl';
import { pcgrad } from '@cs-dfd/pcgrad';
import { dualProj, upgrad } from '@cs-dfd/upgrad';
import { uvs } from '@cs-dfd/uvs';

/** One aggregator known by name. */
export interface AggregatorEntry {
  /** Name in configs and on command lines. */
  readonly name: string;
  /** The package that implements it. */
  readonly package: string;
  /** One line for `--help` and table captions. */
  readonly description: string;
  /** A fresh instance; `options` go to the package's factory, which validates them. */
  make(options?: Record<string, unknown>): Aggregator;
}

// Factories take their own typed options; the table passes what a config file holds and lets each one validate.
type AnyFactory = (options?: never) => Aggregator;
const entry = (name: string, pkg: string, description: string, factory: AnyFactory): AggregatorEntry => ({
  name,
  package: pkg,
  description,
  make: (options) => (factory as (o?: Record<string, unknown>) => Aggregator)(options ?? {}),
});

/** All aggregators, UVS first. */
export const AGGREGATORS: readonly AggregatorEntry[] = [
  entry(
    'uvs',
    '@cs-dfd/uvs',
    'Update Vector Search: max of the smallest per-source decrease near the mean',
    uvs,
  ),
  entry('mean', '@cs-dfd/gramian', 'mean gradient (plain joint training)', mean),
  entry('sum', '@cs-dfd/gramian', 'summed gradient', sum),
  entry('pcgrad', '@cs-dfd/pcgrad', 'PCGrad: project conflicting gradients (Yu et al. 2020)', pcgrad),
  entry('cagrad', '@cs-dfd/cagrad', 'CAGrad: conflict-averse gradient descent (Liu et al. 2021)', cagrad),
  entry('mgda', '@cs-dfd/mgda', 'MGDA: min-norm point of the convex hull (Sener & Koltun 2018)', mgda),
  entry('imtl', '@cs-dfd/imtl', 'IMTL-G: equal projections on the unit gradients (Liu et al. 2021)', imtlG),
  entry(
    'aligned-mtl',
    '@cs-dfd/aligned-mtl',
    'Aligned-MTL: eigen-aligned balance (Senushkin et al. 2023)',
    alignedMtl,
  ),
  entry('upgrad', '@cs-dfd/upgrad', 'UPGrad: projections onto the dual cone (Quinton & Rey 2024)', upgrad),
  entry('dualproj', '@cs-dfd/upgrad', 'DualProj: the mean projected onto the dual cone', dualProj),
  entry('gradvac', '@cs-dfd/gradvac', 'GradVac: EMA target cosines (Wang et al. 2021)', gradVac),
  entry('nash-mtl', '@cs-dfd/nash-mtl', 'Nash-MTL: Nash bargaining solution (Navon et al. 2022)', nashMtl),
  entry(
    'graddrop',
    '@cs-dfd/graddrop',
    'GradDrop: sign-consistency dropout, vector level (Chen et al. 2020)',
    gradDrop,
  ),
];

/** Error for an unknown name: lists the known ones. */
export class UnknownAggregatorError extends Error {
  /** The error's class name. */
  override readonly name = 'UnknownAggregatorError';
  constructor(
    /** The name asked for. */
    readonly requested: string,
  ) {
    super(`unknown aggregator "${requested}"; known: ${AGGREGATORS.map((a) => a.name).join(', ')}`);
  }
}

/** The entry for `name` (throws {@link UnknownAggregatorError}). */
export function aggregatorEntry(name: string): AggregatorEntry {
  const e = AGGREGATORS.find((a) => a.name === name);
  if (e === undefined) throw new UnknownAggregatorError(name);
  return e;
}

/** A fresh aggregator by name, with its package's options. */
export function makeAggregator(name: string, options?: Record<string, unknown>): Aggregator {
  return aggregatorEntry(name).make(options);
}
