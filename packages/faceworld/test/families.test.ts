// The family registry: its order seeds the families' random streams, so it is pinned; the descriptions written
// to faceworld.json carry no renderer; lookups by label.
import { describe, expect, it } from 'vitest';
import {
  DATASETS,
  FAMILIES,
  FAMILY_LABELS,
  FAMILY_REGISTRY,
  familiesOf,
  familyIndex,
  familyOf,
} from '../src/families/index.js';

describe('FAMILY_REGISTRY', () => {
  it('keeps the order that seeds every existing family (append new families at the end)', () => {
    expect(FAMILY_LABELS).toEqual([
      'FW_real',
      'FW_swap',
      'FW_reenact',
      'FW_mouth',
      'FWT_real',
      'FWT_swap',
      'FWT_partial',
      'FWT_synth',
    ]);
    FAMILY_LABELS.forEach((l, i) => expect(familyIndex(l)).toBe(i));
  });

  it('holds each label once, with a renderer, and a role that matches its dataset, pool and target', () => {
    expect(new Set(FAMILY_LABELS).size).toBe(FAMILY_REGISTRY.length);
    for (const f of FAMILY_REGISTRY) {
      expect(typeof f.render).toBe('function');
      expect(familyOf(f.label)).toBe(f);
      expect(f.target).toBe(f.role === 'real' ? 0 : 1);
      expect(f.pool).toBe(f.dataset === DATASETS.source ? 0 : 1);
      if (f.role === 'source') expect(f.dataset).toBe(DATASETS.source);
      if (f.role === 'target') expect(f.dataset).toBe(DATASETS.target);
    }
    expect(familyOf('FW_nothing')).toBeUndefined();
  });

  it("FAMILIES is the descriptions only, keys in faceworld.json's order", () => {
    for (const l of FAMILY_LABELS) {
      expect(Object.keys(FAMILIES[l])).toEqual([
        'label',
        'dataset',
        'target',
        'role',
        'pool',
        'donor',
        'trace',
      ]);
    }
    expect(familiesOf(DATASETS.source)).toEqual(['FW_real', 'FW_swap', 'FW_reenact', 'FW_mouth']);
    expect(familiesOf(DATASETS.target)).toEqual(['FWT_real', 'FWT_swap', 'FWT_partial', 'FWT_synth']);
  });
});
