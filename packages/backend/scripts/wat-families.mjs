// @ts-check
// The unrolled families of train-kernels.wat, written once: the Winograd transforms are given as their matrices
// (B^T, G, A^T) and every unrolled line is derived from them, so a transform is changed in one place. The
// hand-written kernels live in src/wasm/train-kernels.template.wat; gen-wat.mjs puts these families in at its
// `;; @generate <family> [argument]` lines.

/** @param {string} name */
const get = (name) => `(local.get $${name})`;

/** @param {number} from @param {number} to */
const range = (from, to) => Array.from({ length: to - from }, (_, k) => from + k);

/**
 * The f32x4 expression of sum_k row[k] * locals[k]: positive terms added left to right, then the negative ones
 * subtracted, and a common factor (all nonzero coefficients of one magnitude other than 1) applied once.
 * @param {number[]} row @param {string[]} locals
 */
function combine(row, locals) {
  const used = row.map((w, k) => ({ w, name: locals[k] })).filter((t) => t.w !== 0);
  const scale = Math.abs(used[0].w);
  if (!used.every((t) => Math.abs(t.w) === scale)) throw new Error(`row ${row} mixes coefficient sizes`);
  const pos = used.filter((t) => t.w > 0);
  const neg = used.filter((t) => t.w < 0);
  if (pos.length === 0) throw new Error(`row ${row} has no positive term`);
  let expr = get(pos[0].name);
  for (const t of pos.slice(1)) expr = `(f32x4.add ${expr} ${get(t.name)})`;
  for (const t of neg) expr = `(f32x4.sub ${expr} ${get(t.name)})`;
  return scale === 1 ? expr : `(f32x4.mul (v128.const f32x4 ${scale} ${scale} ${scale} ${scale}) ${expr})`;
}

/**
 * Lines applying `matrix` down the columns of a grid of v128 locals, in place: for column j, row r of the result
 * replaces grid cell (r, j). Every row goes through a temporary r0, r1, ... first, since later rows read the
 * cells that earlier rows replace.
 * @param {number[][]} matrix @param {(row: number, col: number) => string} cell @param {number} cols
 */
function columnsInPlace(matrix, cell, cols) {
  const out = [];
  for (let j = 0; j < cols; j++) {
    const column = matrix[0].map((_, k) => cell(k, j));
    matrix.forEach((row, r) => out.push(`(local.set $r${r} ${combine(row, column)})`));
    out.push(matrix.map((_, r) => `(local.set $${cell(r, j)} (local.get $r${r}))`).join(' '));
  }
  return out;
}

/**
 * Address of element (b, hh, ww, c) of an NHWC tensor at `ptr` with dims (H, W, C) given by local names.
 * @param {string} ptr @param {string} H @param {string} W @param {string} C
 */
const nhwcAddress = (ptr, H, W, C) => [
  `(i32.add ${get(ptr)} (i32.shl (i32.add (i32.mul`,
  `  (i32.add (i32.mul (i32.add (i32.mul ${get('b')} ${get(H)}) ${get('hh')}) ${get(W)}) ${get('ww')})`,
  `  ${get(C)}) ${get('c')}) (i32.const 2)))`,
];

/**
 * The cell (hh, ww) = (h + i, w + j) of an NHWC tensor, read into (or written from) a v128 when it lies inside
 * [0, H) x [0, W): outside, a load leaves zeros and a store is skipped.
 * @param {{ h: string, w: string, i: number, j: number, ptr: string, H: string, W: string, C: string }} at
 * @param {{ load: string } | { store: string }} access
 */
function boundedCell(at, access) {
  const [a0, a1, a2] = nhwcAddress(at.ptr, at.H, at.W, at.C);
  const inside = `(if (i32.and (i32.lt_u ${get('hh')} ${get(at.H)}) (i32.lt_u ${get('ww')} ${get(at.W)}))`;
  const lines = [
    `(local.set $hh (i32.add ${at.h} (i32.const ${at.i})))`,
    `(local.set $ww (i32.add ${at.w} (i32.const ${at.j})))`,
  ];
  if ('load' in access) {
    lines.push(`(local.set $${access.load} (v128.const i32x4 0 0 0 0))`, inside);
    lines.push(`  (then (local.set $${access.load} (v128.load ${a0}`, `  ${a1}`, `  ${a2}))))`);
  } else {
    lines.push(inside, `  (then (v128.store ${a0}`, `  ${a1}`, `  ${a2} ${access.store})))`);
  }
  return lines;
}

/** Locals of the 4x4 patch: 16 row pointers q, 16 values d, 4 temporaries r (in this order: it fixes the bytes). */
const PATCH_LOCALS = [
  range(0, 8).map((k) => `(local $q${k} i32)`),
  range(8, 16).map((k) => `(local $q${k} i32)`),
  range(0, 8).map((k) => `(local $d${k} v128)`),
  range(8, 16).map((k) => `(local $d${k} v128)`),
  range(0, 4).map((k) => `(local $r${k} v128)`),
].map((group) => group.join(' '));

/** @param {number} k */
const d = (k) => `d${k}`;

/**
 * The input half shared by both Winograd kernels: tile t0 + i's place, its 4x4 patch of x[B, H, W, Ci] at
 * (2 th - pt, 2 tw - pl) and V[e = 4r + s, i, c] = (Bt d Bt^T)[r, s], channel by channel, into planes vstride
 * bytes apart.
 * @param {number[][]} Bt
 */
function inputTransform(Bt) {
  const pointers = range(0, 16).map(
    (k) =>
      `(local.set $q${k} (i32.add ${get('base')} (i32.add (i32.mul (i32.const ${k >> 2}) ${get('rs')}) (i32.mul (i32.const ${k & 3}) ${get('cs')}))))`,
  );
  const fast = range(0, 16).map(
    (k) => `(local.set $d${k} (v128.load (i32.add ${get(`q${k}`)} (i32.shl ${get('c')} (i32.const 2)))))`,
  );
  const border = range(0, 16).flatMap((k) =>
    boundedCell(
      { h: get('h0'), w: get('w0'), i: k >> 2, j: k & 3, ptr: 'x', H: 'H', W: 'W', C: 'Ci' },
      { load: d(k) },
    ),
  );
  const stores = range(0, 16).flatMap((e) => {
    const row = range(0, 4).map((s) => d(4 * (e >> 2) + s));
    const store = `(v128.store ${get('o')} ${combine(Bt[e & 3], row)})`;
    return e === 0 ? [store] : ['(local.set $o (i32.add (local.get $o) (local.get $vstride)))', store];
  });
  return [
    '(local.set $h0 (i32.sub (i32.shl (local.get $th) (i32.const 1)) (local.get $pt)))',
    '(local.set $w0 (i32.sub (i32.shl (local.get $tw) (i32.const 1)) (local.get $pl)))',
    ';; a patch wholly inside x reads through 16 precomputed pointers; border patches check every cell',
    '(local.set $inside (i32.and',
    '  (i32.and (i32.ge_s (local.get $h0) (i32.const 0)) (i32.le_s (i32.add (local.get $h0) (i32.const 3)) (i32.sub (local.get $H) (i32.const 1))))',
    '  (i32.and (i32.ge_s (local.get $w0) (i32.const 0)) (i32.le_s (i32.add (local.get $w0) (i32.const 3)) (i32.sub (local.get $W) (i32.const 1))))))',
    '(if (local.get $inside)',
    '  (then',
    '    (local.set $base (i32.add (local.get $x) (i32.shl (i32.mul',
    '      (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h0)) (local.get $W)) (local.get $w0))',
    '      (local.get $Ci)) (i32.const 2))))',
    ...indent(pointers, 4),
    '))',
    '(local.set $c (i32.const 0))',
    '(loop $chan_in',
    '  (if (local.get $inside)',
    '    (then',
    ...indent(fast, 6),
    '    )',
    '    (else',
    ...indent(border, 6),
    '    ))',
    ...indent(
      columnsInPlace(Bt, (r, j) => d(4 * r + j), 4),
      2,
    ),
    '  ;; o = byte offset of (tile i, channel c) inside plane e',
    '  (local.set $o (i32.add (local.get $V) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $Ci)) (local.get $c)) (i32.const 2))))',
    ...indent(stores, 2),
    '  (local.set $c (i32.add (local.get $c) (i32.const 4)))',
    '  (br_if $chan_in (i32.lt_u (local.get $c) (local.get $Ci))))',
  ];
}

/** Tile t0 + i as (b, th, tw) of a [B, TH, TW] grid. */
const TILE_PLACE = [
  '(local.set $t (i32.add (local.get $t0) (local.get $i)))',
  '(local.set $tw (i32.rem_u (local.get $t) (local.get $TW)))',
  '(local.set $q (i32.div_u (local.get $t) (local.get $TW)))',
  '(local.set $th (i32.rem_u (local.get $q) (local.get $TH)))',
  '(local.set $b (i32.div_u (local.get $q) (local.get $TH)))',
];

/**
 * The setup both kernels share, then the block loop's head: tiles of 2x2 outputs, `tiles` at a time.
 * @param {number} tiles @param {string[]} planes lines setting the plane strides and scratch areas
 */
const blocksHead = (tiles, planes) => [
  '(local.set $cs (i32.shl (local.get $Ci) (i32.const 2)))',
  '(local.set $rs (i32.mul (local.get $W) (local.get $cs)))',
  '(local.set $TH (i32.shr_u (i32.add (local.get $OH) (i32.const 1)) (i32.const 1)))',
  '(local.set $TW (i32.shr_u (i32.add (local.get $OW) (i32.const 1)) (i32.const 1)))',
  '(local.set $T (i32.mul (local.get $B) (i32.mul (local.get $TH) (local.get $TW))))',
  '(local.set $V (local.get $scratch))',
  ...planes,
  '(local.set $t0 (i32.const 0))',
  '(block $done',
  '  (loop $blocks',
  '    (br_if $done (i32.ge_u (local.get $t0) (local.get $T)))',
  '    (local.set $tb (i32.sub (local.get $T) (local.get $t0)))',
  `    (if (i32.gt_u (local.get $tb) (i32.const ${tiles})) (then (local.set $tb (i32.const ${tiles}))))`,
];

/**
 * Bytes between transformed planes of `tiles` rows of C floats, padded by 16 floats: plain multiples of 4 KiB
 * put all 16 planes' rows in one L1 cache set.
 * @param {string} name @param {number} tiles @param {string} C
 */
const planeStride = (name, tiles, C) =>
  `(local.set $${name} (i32.shl (i32.add (i32.mul (i32.const ${tiles}) (local.get $${C})) (i32.const 16)) (i32.const 2)))`;

/** @param {string[]} lines @param {number} n */
function indent(lines, n) {
  const pad = ' '.repeat(n);
  return lines.map((l) => pad + l);
}

/** Winograd F(2x2, 3x3) for the convolution: input B^T, output A^T. */
const CONV = {
  Bt: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  At: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

/**
 * Winograd F(3x3, 2x2) for the filter gradient: the input patch's transform (B^T with its last row negated
 * against CONV's; the caller's A^T M A matches it) and dy's, G.
 */
const FILTER_GRAD = {
  Bt: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, -1, 0, 1],
  ],
  G: [
    [1, 0],
    [0.5, 0.5],
    [0.5, -0.5],
    [0, 1],
  ],
};

function winogradF2x3() {
  const { Bt, At } = CONV;
  const loads = range(0, 16).flatMap((e) => [
    ...(e === 0 ? [] : ['(local.set $o (i32.add (local.get $o) (local.get $mstride)))']),
    `(local.set $d${e} (v128.load (local.get $o)))`,
  ]);
  const stores = range(0, 4).flatMap((k) => {
    const [i, j] = [k >> 1, k & 1];
    const row = range(0, 4).map((s) => d(4 * i + s));
    return boundedCell(
      {
        h: '(i32.shl (local.get $th) (i32.const 1))',
        w: '(i32.shl (local.get $tw) (i32.const 1))',
        i,
        j,
        ptr: 'y',
        H: 'OH',
        W: 'OW',
        C: 'Co',
      },
      { store: combine(At[j], row) },
    );
  });
  return [
    ';; 3x3 convolution, stride 1, dilation 1, NHWC, by Winograd F(2x2, 3x3): y[B, OH, OW, Co] from x[B, H, W, Ci]',
    ';; zero-padded by (pt, pl) on top/left (and as needed bottom/right), with the transformed filter',
    ';; U[16, Ci, Co] = G g G^T (made by the caller). Tiles of 2x2 outputs, 32 at a time: their 4x4 input patches go',
    ';; through B^T d B into V[16, 32, Ci], 16 products M[e] = V[e] U[e] give M[16, 32, Co], and A^T m A writes the',
    ';; outputs. Ci a multiple of 4, Co a multiple of 8. scratch: 16 * (32 * (Ci + Co) + 32) floats.',
    '(func (export "winograd_f2x3")',
    '  (param $x i32) (param $U i32) (param $y i32) (param $B i32) (param $H i32) (param $W i32) (param $Ci i32)',
    '  (param $Co i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32) (param $scratch i32)',
    '  (local $TH i32) (local $TW i32) (local $T i32) (local $t0 i32) (local $tb i32) (local $tbp i32) (local $i i32)',
    '  (local $t i32) (local $b i32) (local $th i32) (local $tw i32) (local $c i32) (local $e i32)',
    '  (local $V i32) (local $M i32) (local $h0 i32) (local $w0 i32) (local $hh i32) (local $ww i32) (local $o i32)',
    '  (local $vstride i32) (local $mstride i32) (local $q i32) (local $inside i32) (local $base i32) (local $rs i32)',
    '  (local $cs i32)',
    ...indent(PATCH_LOCALS, 2),
    ...indent(
      blocksHead(32, [
        planeStride('vstride', 32, 'Ci'),
        planeStride('mstride', 32, 'Co'),
        '(local.set $M (i32.add (local.get $V) (i32.mul (i32.const 16) (local.get $vstride))))',
        ';; zeros in V first, so that the up-to-3 padding rows of a short last block hold finite values',
        '(memory.fill (local.get $V) (i32.const 0) (i32.mul (i32.const 16) (local.get $vstride)))',
      ]),
      2,
    ),
    '      (local.set $tbp (i32.and (i32.add (local.get $tb) (i32.const 3)) (i32.const -4)))',
    '      ;; input transform',
    '      (local.set $i (i32.const 0))',
    '      (loop $tiles_in',
    ...indent([...TILE_PLACE, ...inputTransform(Bt)], 8),
    '        (local.set $i (i32.add (local.get $i) (i32.const 1)))',
    '        (br_if $tiles_in (i32.lt_u (local.get $i) (local.get $tb))))',
    "      ;; rows tb..tbp of each V plane hold zeros or an earlier block's tiles: their products land in M rows never read",
    '      (local.set $e (i32.const 0))',
    '      (loop $products',
    '        (call $gemm',
    '          (i32.add (local.get $V) (i32.mul (local.get $e) (local.get $vstride)))',
    '          (i32.add (local.get $U) (i32.shl (i32.mul (i32.mul (local.get $e) (local.get $Ci)) (local.get $Co)) (i32.const 2)))',
    '          (i32.add (local.get $M) (i32.mul (local.get $e) (local.get $mstride)))',
    '          (local.get $tbp) (local.get $Ci) (local.get $Co))',
    '        (local.set $e (i32.add (local.get $e) (i32.const 1)))',
    '        (br_if $products (i32.lt_u (local.get $e) (i32.const 16))))',
    '      ;; output transform A^T m A, cells past OH, OW not written',
    '      (local.set $i (i32.const 0))',
    '      (loop $tiles_out',
    ...indent(TILE_PLACE, 8),
    '        (local.set $c (i32.const 0))',
    '        (loop $chan_out',
    '          (local.set $o (i32.add (local.get $M) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $Co)) (local.get $c)) (i32.const 2))))',
    ...indent(loads, 10),
    ...indent(
      columnsInPlace(At, (r, j) => d(4 * r + j), 4),
      10,
    ),
    ...indent(stores, 10),
    '          (local.set $c (i32.add (local.get $c) (i32.const 4)))',
    '          (br_if $chan_out (i32.lt_u (local.get $c) (local.get $Co))))',
    '        (local.set $i (i32.add (local.get $i) (i32.const 1)))',
    '        (br_if $tiles_out (i32.lt_u (local.get $i) (local.get $tb))))',
    '      (local.set $t0 (i32.add (local.get $t0) (i32.const 32)))',
    '      (br $blocks))))',
  ];
}

function winogradFilterGrad() {
  const { Bt, G } = FILTER_GRAD;
  // dy's 2x2 tile g sits in d0..d3; G g (4x2) goes to d4..d11, row r at d(4 + 2r), d(5 + 2r)
  const loads = range(0, 4).flatMap((k) =>
    boundedCell(
      {
        h: '(i32.shl (local.get $th) (i32.const 1))',
        w: '(i32.shl (local.get $tw) (i32.const 1))',
        i: k >> 1,
        j: k & 1,
        ptr: 'dy',
        H: 'OH',
        W: 'OW',
        C: 'Co',
      },
      { load: d(k) },
    ),
  );
  const columns = range(0, 2).flatMap((j) =>
    G.map((row, r) => {
      const expr = combine(row, [d(j), d(2 + j)]);
      return `(local.set $d${4 + 2 * r + j} ${expr})`;
    }),
  );
  const stores = range(0, 16).flatMap((e) => {
    const store = `(v128.store ${get('o')} ${combine(G[e & 3], [d(4 + 2 * (e >> 2)), d(5 + 2 * (e >> 2))])})`;
    return e === 0 ? [store] : ['(local.set $o (i32.add (local.get $o) (local.get $ustride)))', store];
  });
  return [
    ';; Conv2DBackpropFilter of a 3x3, stride-1 convolution by Winograd F(3x3, 2x2): each 2x2 tile of dy and the',
    ";; 4x4 input patch under it give the tile's 3x3 filter gradient as A^T [(G g G^T) . (B^T d B)] A, and the sum over",
    ';; tiles moves inside: M[e, ci, co] += sum over tiles of V[e, t, ci] U[e, t, co] with V = B^T d B, U = G g G^T.',
    ';; The caller zeroes M[16, Ci, Co] and applies A^T M A. Tiles go 128 at a time; the 16 products per block are',
    ';; filter_grad calls (rows ci, positions t). x[B, H, W, Ci] zero-padded by (pt, pl); dy[B, OH, OW, Co]; Ci a',
    ';; multiple of 4, Co of 8. scratch: 16 * (128 * (Ci + Co) + 32) floats',
    ';; (planes padded by 16 floats against cache-set aliasing); offs: Ci int32 holding 0, 1, ..., Ci - 1.',
    '(func (export "winograd_filter_grad")',
    '  (param $x i32) (param $dy i32) (param $M i32) (param $B i32) (param $H i32) (param $W i32) (param $Ci i32)',
    '  (param $Co i32) (param $pt i32) (param $pl i32) (param $OH i32) (param $OW i32) (param $scratch i32)',
    '  (param $offs i32)',
    '  (local $TH i32) (local $TW i32) (local $T i32) (local $t0 i32) (local $tb i32) (local $i i32)',
    '  (local $t i32) (local $b i32) (local $th i32) (local $tw i32) (local $c i32) (local $e i32)',
    '  (local $V i32) (local $Ub i32) (local $h0 i32) (local $w0 i32) (local $hh i32) (local $ww i32) (local $o i32)',
    '  (local $vstride i32) (local $ustride i32) (local $q i32) (local $inside i32) (local $base i32) (local $rs i32)',
    '  (local $cs i32)',
    ...indent(PATCH_LOCALS, 2),
    ...indent(
      blocksHead(128, [
        planeStride('vstride', 128, 'Ci'),
        planeStride('ustride', 128, 'Co'),
        '(local.set $Ub (i32.add (local.get $V) (i32.mul (i32.const 16) (local.get $vstride))))',
      ]),
      2,
    ),
    '      (local.set $i (i32.const 0))',
    '      (loop $tiles',
    ...indent(TILE_PLACE, 8),
    '        ;; input transform V = B^T d B',
    ...indent(inputTransform(Bt), 8),
    '        ;; dy transform U = G g G^T of the 2x2 tile g (zero past OH, OW)',
    '        (local.set $c (i32.const 0))',
    '        (loop $chan_dy',
    ...indent(loads, 10),
    ...indent(columns, 10),
    '          (local.set $o (i32.add (local.get $Ub) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $Co)) (local.get $c)) (i32.const 2))))',
    ...indent(stores, 10),
    '          (local.set $c (i32.add (local.get $c) (i32.const 4)))',
    '          (br_if $chan_dy (i32.lt_u (local.get $c) (local.get $Co))))',
    '        (local.set $i (i32.add (local.get $i) (i32.const 1)))',
    '        (br_if $tiles (i32.lt_u (local.get $i) (local.get $tb))))',
    "      ;; M[e] += V[e]^T U[e] over the block's tiles: filter_grad with rows ci (offsets 0..Ci-1), positions t",
    '      (local.set $e (i32.const 0))',
    '      (loop $products',
    '        (call $filter_grad',
    '          (i32.add (local.get $V) (i32.mul (local.get $e) (local.get $vstride)))',
    '          (local.get $offs) (local.get $Ci)',
    '          (i32.add (local.get $Ub) (i32.mul (local.get $e) (local.get $ustride)))',
    '          (i32.add (local.get $M) (i32.shl (i32.mul (i32.mul (local.get $e) (local.get $Ci)) (local.get $Co)) (i32.const 2)))',
    '          (local.get $Co) (i32.const 1) (i32.const 1) (local.get $tb) (i32.const 1) (i32.const 0) (i32.const 0)',
    '          (local.get $Ci))',
    '        (local.set $e (i32.add (local.get $e) (i32.const 1)))',
    '        (br_if $products (i32.lt_u (local.get $e) (i32.const 16))))',
    '      (local.set $t0 (i32.add (local.get $t0) (i32.const 128)))',
    '      (br $blocks))))',
  ];
}

/**
 * The 4x8 register tile's multiply-add of filter_grad and gemm: a[2r], a[2r + 1] += p_r[0] * (8 floats at ptr),
 * for the 4 rows r.
 * @param {string} ptr
 */
function fma4x8(ptr) {
  const out = [`(local.set $b0 (v128.load ${ptr}))`, `(local.set $b1 (v128.load offset=16 ${ptr}))`];
  for (let r = 0; r < 4; r++) {
    out.push(`(local.set $s (v128.load32_splat (local.get $p${r})))`);
    for (const h of [0, 1]) {
      const a = `a${2 * r + h}`;
      out.push(
        `(local.set $${a} (f32x4.add (local.get $${a}) (f32x4.mul (local.get $s) (local.get $b${h}))))`,
      );
    }
  }
  return out;
}

/** The families by the name a template's `;; @generate` line gives; each returns unindented lines. */
export const FAMILIES = {
  winograd_f2x3: () => winogradF2x3(),
  winograd_filter_grad: () => winogradFilterGrad(),
  /** @param {string} ptr the local holding the 8 floats' address, e.g. `$d` */
  fma_4x8: (/** @type {string} */ ptr) => fma4x8(`(local.get ${ptr})`),
};
