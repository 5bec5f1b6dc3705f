// The one method-label parser: the inverse of the report's label, for every method with and without CGR.
import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  ConfigError,
  METHOD_LABELS,
  methodLabel,
  methodLabelOverrides,
  methodNames,
  parseMethodLabel,
  planMethod,
  resolveConfig,
} from '../src/index.js';

describe('parseMethodLabel', () => {
  it('reads back the label the report writes, for every method with CGR on and off', () => {
    let seen = 0;
    for (const name of methodNames()) {
      for (const enabled of [false, true]) {
        const plan = planMethod(resolveConfig({ method: { name }, cgr: { enabled } }));
        const label = methodLabel(plan);
        // one-source methods never run CGR, so their label has no suffix whatever the config says
        expect(parseMethodLabel(label)).toEqual({ name, cgr: plan.cgr });
        seen++;
      }
    }
    expect(seen).toBe(2 * methodNames().length);
  });

  it('refuses unknown names, a bare suffix, and +cgr on a one-source method', () => {
    for (const bad of ['', '+cgr', 'nope', 'nope+cgr', 'orig-only+cgr', 'syn-only+cgr', 'uvs+cgr+cgr', 'UVS'])
      expect(parseMethodLabel(bad), bad).toBeNull();
    expect(parseMethodLabel('joint+cgr')).toEqual({ name: 'joint', cgr: true });
  });

  it('every METHOD_LABELS row parses, and the list names each row once', () => {
    for (const label of METHOD_LABELS) expect(parseMethodLabel(label), label).not.toBeNull();
    expect(new Set(METHOD_LABELS).size).toBe(METHOD_LABELS.length);
  });
});

describe('methodLabelOverrides', () => {
  it('sets method.name and cgr.enabled, leaving the method options alone', () => {
    const raw = applyOverrides(
      { method: { name: 'joint', options: { c: 1 } } },
      methodLabelOverrides('uvs+cgr'),
    );
    expect(raw).toEqual({ method: { name: 'uvs', options: { c: 1 } }, cgr: { enabled: true } });
    const off = resolveConfig(applyOverrides({}, methodLabelOverrides('uvs')));
    // the schema's default has CGR on; a label without the suffix turns it off
    expect(resolveConfig({}).cgr.enabled).toBe(true);
    expect(off.cgr.enabled).toBe(false);
  });

  it('an unknown label is a ConfigError naming method.name and listing the methods', () => {
    try {
      methodLabelOverrides('orig-only+cgr');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).key).toBe('method.name');
      expect((e as Error).message).toContain('pcgrad');
    }
  });
});
