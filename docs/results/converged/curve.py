#!/usr/bin/env python3
"""Validation AUC and mean training loss per source over steps, from a trainer run's log.jsonl (Markdown table).

Usage: python3 docs/results/converged/curve.py out/conv-uvs+cgr-1500/log.jsonl [window=100]
"""
import json
import sys

path = sys.argv[1]
window = int(sys.argv[2]) if len(sys.argv) > 2 else 100
evals, losses = {}, {}
for line in open(path):
    o = json.loads(line)
    if o.get('type') == 'eval':
        evals[o['step']] = o['auc']
    elif 'losses' in o and not o.get('skipped'):
        losses.setdefault(o['step'] // window, []).append(o['losses'])
sources = sorted({k for ls in losses.values() for x in ls for k in x})
print('| steps | ' + ' | '.join(f'mean loss {s}' for s in sources) + ' | val AUC at the validations in the window |')
print('|---|' + '---|' * len(sources) + '---|')
for b, ls in sorted(losses.items()):
    lo, hi = b * window, (b + 1) * window
    vals = ', '.join(f'{evals[s]:.3f} ({s})' for s in sorted(evals) if lo < s <= hi)
    means = [sum(x[s] for x in ls if s in x) / max(1, sum(1 for x in ls if s in x)) for s in sources]
    print(f'| {lo}-{hi - 1} | ' + ' | '.join(f'{m:.3f}' for m in means) + f' | {vals} |')
