;; Training kernels for tfjs-backend-wasm, in 128-bit wasm SIMD. The module imports the wasm backend's own memory,
;; so every pointer below is a byte offset of a tensor on that heap (BackendWasm.dataIdMap[...].memoryOffset) and
;; nothing is copied in or out. The module has no data, globals or stack: it writes only through the output
;; pointers it is given. The unrolled families (the `;; @generate` lines of train-kernels.template.wat) are written
;; once in scripts/wat-families.mjs; scripts/build-wasm.mjs makes train-kernels.wat and assembles it (wabt) into
;; train-kernels.wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; dW[K, co] += sum over output positions p of A[r, p] * dy[p, co], where A[r, p] is read from a zero-padded
  ;; input at a fixed element offset offs[r] plus the position's place: (b * Hp + oh * sh) * rowElems + ow * colElems.
  ;; For a padded NHWC copy xp[B, Hp, Wp, C]: offs[r] = (kh * Wp + kw) * C + c, rowElems = Wp * C, colElems = sw * C.
  ;; That is Conv2DBackpropFilter with the im2col matrix never built. Positions are taken in blocks of whole output rows (about 256 positions: dy's block stays in cache
  ;; while every row tile of A passes over it); tiles of 4 rows x 8 channels keep 8 accumulators in registers.
  ;; co must be a multiple of 8; dW must hold zeros (or a sum to add to) on entry.
  (func $filter_grad (export "filter_grad")
    (param $planes i32) (param $offs i32) (param $K i32) (param $dy i32) (param $dw i32) (param $co i32)
    (param $B i32) (param $OH i32) (param $OW i32) (param $Hp i32) (param $rowElems i32) (param $sh i32) (param $colElems i32)
    (local $rows i32) (local $block i32) (local $q0 i32) (local $q1 i32) (local $q i32) (local $r i32)
    (local $j i32) (local $ow i32) (local $grid i32) (local $pstep i32) (local $dstep i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $d i32) (local $out i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local.set $rows (i32.mul (local.get $B) (local.get $OH)))
    ;; output rows per block: at least one, about 256 positions
    (local.set $block (i32.div_u (i32.const 256) (local.get $OW)))
    (if (i32.eqz (local.get $block)) (then (local.set $block (i32.const 1))))
    (local.set $pstep (i32.shl (local.get $colElems) (i32.const 2)))
    (local.set $dstep (i32.shl (local.get $co) (i32.const 2)))
    (local.set $q0 (i32.const 0))
    (block $done_blocks
      (loop $blocks
        (br_if $done_blocks (i32.ge_u (local.get $q0) (local.get $rows)))
        (local.set $q1 (i32.add (local.get $q0) (local.get $block)))
        (if (i32.gt_u (local.get $q1) (local.get $rows)) (then (local.set $q1 (local.get $rows))))
        ;; row tiles of 4
        (local.set $r (i32.const 0))
        (block $done_r4
          (loop $r4
            (br_if $done_r4 (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $K)))
            (local.set $o0 (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
            (local.set $o1 (i32.shl (i32.load offset=4 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
            (local.set $o2 (i32.shl (i32.load offset=8 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
            (local.set $o3 (i32.shl (i32.load offset=12 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
            (local.set $j (i32.const 0))
            (block $done_j4
              (loop $j4
                (br_if $done_j4 (i32.ge_u (local.get $j) (local.get $co)))
                ;; out = dw + 4 * (r * co + j)
                (local.set $out (i32.add (local.get $dw)
                  (i32.shl (i32.add (i32.mul (local.get $r) (local.get $co)) (local.get $j)) (i32.const 2))))
                (local.set $a0 (v128.load (local.get $out)))
                (local.set $a1 (v128.load offset=16 (local.get $out)))
                (local.set $a2 (v128.load (i32.add (local.get $out) (local.get $dstep))))
                (local.set $a3 (v128.load offset=16 (i32.add (local.get $out) (local.get $dstep))))
                (local.set $a4 (v128.load (i32.add (local.get $out) (i32.shl (local.get $dstep) (i32.const 1)))))
                (local.set $a5 (v128.load offset=16 (i32.add (local.get $out) (i32.shl (local.get $dstep) (i32.const 1)))))
                (local.set $a6 (v128.load (i32.add (local.get $out) (i32.mul (local.get $dstep) (i32.const 3)))))
                (local.set $a7 (v128.load offset=16 (i32.add (local.get $out) (i32.mul (local.get $dstep) (i32.const 3)))))
                (local.set $q (local.get $q0))
                (block $done_q4
                  (loop $q4
                    (br_if $done_q4 (i32.ge_u (local.get $q) (local.get $q1)))
                    ;; grid = planes + 4 * ((b * Hp + oh * sh) * rowElems), b = q / OH, oh = q % OH
                    (local.set $grid (i32.add (local.get $planes) (i32.shl (i32.mul
                      (i32.add
                        (i32.mul (i32.div_u (local.get $q) (local.get $OH)) (local.get $Hp))
                        (i32.mul (i32.rem_u (local.get $q) (local.get $OH)) (local.get $sh)))
                      (local.get $rowElems)) (i32.const 2))))
                    (local.set $p0 (i32.add (local.get $grid) (local.get $o0)))
                    (local.set $p1 (i32.add (local.get $grid) (local.get $o1)))
                    (local.set $p2 (i32.add (local.get $grid) (local.get $o2)))
                    (local.set $p3 (i32.add (local.get $grid) (local.get $o3)))
                    ;; d = dy + 4 * (q * OW * co + j)
                    (local.set $d (i32.add (local.get $dy) (i32.shl
                      (i32.add (i32.mul (i32.mul (local.get $q) (local.get $OW)) (local.get $co)) (local.get $j))
                      (i32.const 2))))
                    (local.set $ow (local.get $OW))
                    (loop $pos4
                      ;; @generate fma_4x8 $d
                      (local.set $p0 (i32.add (local.get $p0) (local.get $pstep)))
                      (local.set $p1 (i32.add (local.get $p1) (local.get $pstep)))
                      (local.set $p2 (i32.add (local.get $p2) (local.get $pstep)))
                      (local.set $p3 (i32.add (local.get $p3) (local.get $pstep)))
                      (local.set $d (i32.add (local.get $d) (local.get $dstep)))
                      (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                      (br_if $pos4 (local.get $ow)))
                    (local.set $q (i32.add (local.get $q) (i32.const 1)))
                    (br $q4)))
                (v128.store (local.get $out) (local.get $a0))
                (v128.store offset=16 (local.get $out) (local.get $a1))
                (v128.store (i32.add (local.get $out) (local.get $dstep)) (local.get $a2))
                (v128.store offset=16 (i32.add (local.get $out) (local.get $dstep)) (local.get $a3))
                (v128.store (i32.add (local.get $out) (i32.shl (local.get $dstep) (i32.const 1))) (local.get $a4))
                (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $dstep) (i32.const 1))) (local.get $a5))
                (v128.store (i32.add (local.get $out) (i32.mul (local.get $dstep) (i32.const 3))) (local.get $a6))
                (v128.store offset=16 (i32.add (local.get $out) (i32.mul (local.get $dstep) (i32.const 3))) (local.get $a7))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (br $j4)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $r4)))
        ;; the last K % 4 rows, one at a time
        (block $done_r1
          (loop $r1
            (br_if $done_r1 (i32.ge_u (local.get $r) (local.get $K)))
            (local.set $o0 (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
            (local.set $j (i32.const 0))
            (block $done_j1
              (loop $j1
                (br_if $done_j1 (i32.ge_u (local.get $j) (local.get $co)))
                (local.set $out (i32.add (local.get $dw)
                  (i32.shl (i32.add (i32.mul (local.get $r) (local.get $co)) (local.get $j)) (i32.const 2))))
                (local.set $a0 (v128.load (local.get $out)))
                (local.set $a1 (v128.load offset=16 (local.get $out)))
                (local.set $q (local.get $q0))
                (block $done_q1
                  (loop $q1l
                    (br_if $done_q1 (i32.ge_u (local.get $q) (local.get $q1)))
                    (local.set $p0 (i32.add (i32.add (local.get $planes) (i32.shl (i32.mul
                      (i32.add
                        (i32.mul (i32.div_u (local.get $q) (local.get $OH)) (local.get $Hp))
                        (i32.mul (i32.rem_u (local.get $q) (local.get $OH)) (local.get $sh)))
                      (local.get $rowElems)) (i32.const 2))) (local.get $o0)))
                    (local.set $d (i32.add (local.get $dy) (i32.shl
                      (i32.add (i32.mul (i32.mul (local.get $q) (local.get $OW)) (local.get $co)) (local.get $j))
                      (i32.const 2))))
                    (local.set $ow (local.get $OW))
                    (loop $pos1
                      (local.set $s (v128.load32_splat (local.get $p0)))
                      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $d)))))
                      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $d)))))
                      (local.set $p0 (i32.add (local.get $p0) (local.get $pstep)))
                      (local.set $d (i32.add (local.get $d) (local.get $dstep)))
                      (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
                      (br_if $pos1 (local.get $ow)))
                    (local.set $q (i32.add (local.get $q) (i32.const 1)))
                    (br $q1l)))
                (v128.store (local.get $out) (local.get $a0))
                (v128.store offset=16 (local.get $out) (local.get $a1))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (br $j1)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $r1)))
        (local.set $q0 (local.get $q1))
        (br $blocks))))

  ;; MaxPoolGrad of a 2x2, stride-2, unpadded pool over NHWC input x[B, H, W, C] (H, W even, C a multiple of 4):
  ;; each dy cell goes to the first strict maximum of its window in row-major order; a NaN never wins, nor does
  ;; -Infinity (the cpu reference kernel's rules). Windows do not overlap, so every dx cell is written once.
  (func (export "max_pool_2x2_grad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $B i32) (param $H i32) (param $W i32) (param $C i32)
    (local $q i32) (local $rows i32) (local $row i32) (local $cstep i32) (local $ow i32) (local $c i32)
    (local $i i32) (local $o i32) (local $g i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $best v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $v v128)
    (local.set $rows (i32.mul (local.get $B) (i32.shr_u (local.get $H) (i32.const 1))))
    (local.set $row (i32.shl (i32.mul (local.get $W) (local.get $C)) (i32.const 2)))
    (local.set $cstep (i32.shl (local.get $C) (i32.const 2)))
    (local.set $g (local.get $dy))
    (local.set $q (i32.const 0))
    (block $done_q
      (loop $rows_loop
        (br_if $done_q (i32.ge_u (local.get $q) (local.get $rows)))
        ;; first input row of output row q: 2q
        (local.set $i (i32.mul (i32.shl (local.get $q) (i32.const 1)) (local.get $row)))
        (local.set $ow (i32.shr_u (local.get $W) (i32.const 1)))
        (loop $cols
          (local.set $c (local.get $C))
          (loop $chan
            (local.set $o (i32.add (local.get $x) (local.get $i)))
            (local.set $x0 (v128.load (local.get $o)))
            (local.set $x1 (v128.load (i32.add (local.get $o) (local.get $cstep))))
            (local.set $x2 (v128.load (i32.add (local.get $o) (local.get $row))))
            (local.set $x3 (v128.load (i32.add (i32.add (local.get $o) (local.get $row)) (local.get $cstep))))
            (local.set $m0 (f32x4.gt (local.get $x0) (v128.const f32x4 -inf -inf -inf -inf)))
            (local.set $best (v128.bitselect (local.get $x0) (v128.const f32x4 -inf -inf -inf -inf) (local.get $m0)))
            (local.set $m1 (f32x4.gt (local.get $x1) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $x1) (local.get $best) (local.get $m1)))
            (local.set $m2 (f32x4.gt (local.get $x2) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $x2) (local.get $best) (local.get $m2)))
            (local.set $m3 (f32x4.gt (local.get $x3) (local.get $best)))
            ;; the last window cell that raised the maximum wins
            (local.set $m2 (v128.andnot (local.get $m2) (local.get $m3)))
            (local.set $m1 (v128.andnot (v128.andnot (local.get $m1) (local.get $m2)) (local.get $m3)))
            (local.set $m0 (v128.andnot (v128.andnot (v128.andnot (local.get $m0) (local.get $m1)) (local.get $m2)) (local.get $m3)))
            (local.set $v (v128.load (local.get $g)))
            (local.set $o (i32.add (local.get $dx) (local.get $i)))
            (v128.store (local.get $o) (v128.and (local.get $v) (local.get $m0)))
            (v128.store (i32.add (local.get $o) (local.get $cstep)) (v128.and (local.get $v) (local.get $m1)))
            (v128.store (i32.add (local.get $o) (local.get $row)) (v128.and (local.get $v) (local.get $m2)))
            (v128.store (i32.add (i32.add (local.get $o) (local.get $row)) (local.get $cstep)) (v128.and (local.get $v) (local.get $m3)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (local.set $c (i32.sub (local.get $c) (i32.const 4)))
            (br_if $chan (local.get $c)))
          ;; past this window's second column
          (local.set $i (i32.add (local.get $i) (local.get $cstep)))
          (local.set $ow (i32.sub (local.get $ow) (i32.const 1)))
          (br_if $cols (local.get $ow)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $rows_loop))))

  ;; Per-channel sums over rows of a [rows, C] f32 matrix (C a multiple of 4), accumulated in f64:
  ;; s1[c] += sum of a[r, c], and when b != 0 also s2[c] += sum of a[r, c] * b[r, c] (b = a gives the sum of squares).
  ;; s1, s2 are f64 arrays of C entries, zeroed here.
  (func $channel_sums (export "channel_sums") (param $a i32) (param $b i32) (param $rows i32) (param $C i32) (param $s1 i32) (param $s2 i32)
    (local $r i32) (local $c i32) (local $pa i32) (local $pb i32) (local $o i32)
    (local $va v128) (local $vb v128) (local $lo v128) (local $hi v128)
    (memory.fill (local.get $s1) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
    (memory.fill (local.get $s2) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
    (local.set $pa (local.get $a))
    (local.set $pb (local.get $b))
    (local.set $r (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $r)))
        (local.set $c (i32.const 0))
        (loop $chan
          (local.set $va (v128.load (local.get $pa)))
          ;; o = byte offset of channel c in an f64 array
          (local.set $o (i32.shl (local.get $c) (i32.const 3)))
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $va)))
          (local.set $hi (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $va) (local.get $va))))
          (v128.store (i32.add (local.get $s1) (local.get $o))
            (f64x2.add (v128.load (i32.add (local.get $s1) (local.get $o))) (local.get $lo)))
          (v128.store offset=16 (i32.add (local.get $s1) (local.get $o))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $s1) (local.get $o))) (local.get $hi)))
          (if (local.get $b)
            (then
              (local.set $vb (v128.load (local.get $pb)))
              (v128.store (i32.add (local.get $s2) (local.get $o))
                (f64x2.add (v128.load (i32.add (local.get $s2) (local.get $o)))
                  (f64x2.mul (local.get $lo) (f64x2.promote_low_f32x4 (local.get $vb)))))
              (v128.store offset=16 (i32.add (local.get $s2) (local.get $o))
                (f64x2.add (v128.load offset=16 (i32.add (local.get $s2) (local.get $o)))
                  (f64x2.mul (local.get $hi) (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vb) (local.get $vb))))))
              (local.set $pb (i32.add (local.get $pb) (i32.const 16)))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br_if $chan (i32.lt_u (local.get $c) (local.get $C))))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $row))))

  ;; out[r, c] = a[r, c] * p[c] + b[r, c] * q[c] + k[c] over a [rows, C] matrix (C a multiple of 4); p, q, k are f32
  ;; arrays of C entries. With b = 0 the middle term is left out (b is not read).
  (func $channel_affine (param $a i32) (param $p i32) (param $b i32) (param $q i32) (param $k i32) (param $out i32)
    (param $rows i32) (param $C i32)
    (local $r i32) (local $c i32) (local $o i32) (local $v v128)
    (local.set $r (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $r)))
        (local.set $c (i32.const 0))
        (loop $chan
          (local.set $o (i32.shl (local.get $c) (i32.const 2)))
          (local.set $v (f32x4.add
            (f32x4.mul (v128.load (local.get $a)) (v128.load (i32.add (local.get $p) (local.get $o))))
            (v128.load (i32.add (local.get $k) (local.get $o)))))
          (if (local.get $b)
            (then
              (local.set $v (f32x4.add (local.get $v)
                (f32x4.mul (v128.load (local.get $b)) (v128.load (i32.add (local.get $q) (local.get $o))))))
              (local.set $b (i32.add (local.get $b) (i32.const 16)))))
          (v128.store (local.get $out) (local.get $v))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br_if $chan (i32.lt_u (local.get $c) (local.get $C))))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Training-mode BatchNorm over the rows of x[rows, C] (C a multiple of 4): batch mean and biased variance per
  ;; channel from f64 sums of x and x^2, then xc = x - mean and y = xc * gamma / sqrt(var + eps) + beta.
  ;; Writes xc (for the gradient), y, and mean, var, inv = 1 / sqrt(var + eps) (f32 arrays of C). scratch: 32 * C
  ;; bytes (two f64 sums, then per-channel f32 coefficients).
  (func (export "batch_norm_train")
    (param $x i32) (param $rows i32) (param $C i32) (param $gamma i32) (param $beta i32) (param $eps f64)
    (param $xc i32) (param $y i32) (param $mean i32) (param $var i32) (param $inv i32) (param $scratch i32)
    (local $s1 i32) (local $s2 i32) (local $neg i32) (local $scale i32) (local $c i32)
    (local $m f64) (local $v f64) (local $n f64) (local $i f64) (local $o i32)
    (local.set $s1 (local.get $scratch))
    (local.set $s2 (i32.add (local.get $scratch) (i32.shl (local.get $C) (i32.const 3))))
    (call $channel_sums (local.get $x) (local.get $x) (local.get $rows) (local.get $C) (local.get $s1) (local.get $s2))
    ;; f32 coefficients after the two f64 sums: -mean, scale
    (local.set $neg (i32.add (local.get $scratch) (i32.shl (local.get $C) (i32.const 4))))
    (local.set $scale (i32.add (local.get $neg) (i32.shl (local.get $C) (i32.const 2))))
    (local.set $n (f64.convert_i32_u (local.get $rows)))
    (local.set $c (i32.const 0))
    (loop $chan
      (local.set $m (f64.div (f64.load (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3)))) (local.get $n)))
      (local.set $v (f64.sub
        (f64.div (f64.load (i32.add (local.get $s2) (i32.shl (local.get $c) (i32.const 3)))) (local.get $n))
        (f64.mul (local.get $m) (local.get $m))))
      (if (f64.lt (local.get $v) (f64.const 0)) (then (local.set $v (f64.const 0))))
      (local.set $i (f64.div (f64.const 1) (f64.sqrt (f64.add (local.get $v) (local.get $eps)))))
      (local.set $o (i32.shl (local.get $c) (i32.const 2)))
      (f32.store (i32.add (local.get $mean) (local.get $o)) (f32.demote_f64 (local.get $m)))
      (f32.store (i32.add (local.get $var) (local.get $o)) (f32.demote_f64 (local.get $v)))
      (f32.store (i32.add (local.get $inv) (local.get $o)) (f32.demote_f64 (local.get $i)))
      (f32.store (i32.add (local.get $neg) (local.get $o)) (f32.neg (f32.demote_f64 (local.get $m))))
      (f32.store (i32.add (local.get $scale) (local.get $o))
        (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $gamma) (local.get $o)))) (local.get $i))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $chan (i32.lt_u (local.get $c) (local.get $C))))
    ;; two passes over the data: xc = x + (-mean), then y = xc * scale + beta
    (call $channel_binary (local.get $x) (local.get $neg) (local.get $xc) (local.get $rows) (local.get $C) (i32.const 0))
    (call $channel_affine (local.get $xc) (local.get $scale) (i32.const 0) (i32.const 0) (local.get $beta) (local.get $y)
      (local.get $rows) (local.get $C)))

  ;; out[r, c] = a[r, c] (op) k[c] over a [rows, C] matrix (C a multiple of 4): op 0 adds, 1 multiplies, 2 subtracts
  ;; k[c] from a, 3 subtracts a from k[c]. A tensor times / plus a per-channel vector, as BatchNorm's inference
  ;; form and bias additions are.
  (func $channel_binary (export "channel_binary")
    (param $a i32) (param $k i32) (param $out i32) (param $rows i32) (param $C i32) (param $op i32)
    (local $r i32) (local $c i32) (local $va v128) (local $vk v128) (local $v v128)
    (local.set $r (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $r)))
        (local.set $c (i32.const 0))
        (loop $chan
          (local.set $va (v128.load (local.get $a)))
          (local.set $vk (v128.load (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 2)))))
          (block $picked
            (if (i32.eqz (local.get $op))
              (then (local.set $v (f32x4.add (local.get $va) (local.get $vk))) (br $picked)))
            (if (i32.eq (local.get $op) (i32.const 1))
              (then (local.set $v (f32x4.mul (local.get $va) (local.get $vk))) (br $picked)))
            (if (i32.eq (local.get $op) (i32.const 2))
              (then (local.set $v (f32x4.sub (local.get $va) (local.get $vk))) (br $picked)))
            (local.set $v (f32x4.sub (local.get $vk) (local.get $va))))
          (v128.store (local.get $out) (local.get $v))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br_if $chan (i32.lt_u (local.get $c) (local.get $C))))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $row))))

  ;; The gradient of batch_norm_train: with sums over the N = rows positions of each channel,
  ;; dbeta = sum dy, dgamma = inv * sum dy*xc, dx = a*dy + b*xc + k with a = gamma*inv,
  ;; b = -a*inv^2*(sum dy*xc)/N, k = -a*dbeta/N (sums and coefficients in f64). scratch: 32 * C bytes.
  (func (export "batch_norm_train_grad")
    (param $dy i32) (param $xc i32) (param $inv i32) (param $gamma i32) (param $rows i32) (param $C i32)
    (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $scratch i32)
    (local $s1 i32) (local $s2 i32) (local $pa i32) (local $pb i32) (local $pk i32) (local $c i32) (local $o i32)
    (local $n f64) (local $sb f64) (local $sg f64) (local $i f64) (local $a f64)
    (local.set $s1 (local.get $scratch))
    (local.set $s2 (i32.add (local.get $scratch) (i32.shl (local.get $C) (i32.const 3))))
    (call $channel_sums (local.get $dy) (local.get $xc) (local.get $rows) (local.get $C) (local.get $s1) (local.get $s2))
    (local.set $pa (i32.add (local.get $scratch) (i32.shl (local.get $C) (i32.const 4))))
    (local.set $pb (i32.add (local.get $pa) (i32.shl (local.get $C) (i32.const 2))))
    (local.set $pk (i32.add (local.get $pb) (i32.shl (local.get $C) (i32.const 2))))
    (local.set $n (f64.convert_i32_u (local.get $rows)))
    (local.set $c (i32.const 0))
    (loop $chan
      (local.set $sb (f64.load (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3)))))
      (local.set $sg (f64.load (i32.add (local.get $s2) (i32.shl (local.get $c) (i32.const 3)))))
      (local.set $o (i32.shl (local.get $c) (i32.const 2)))
      (local.set $i (f64.promote_f32 (f32.load (i32.add (local.get $inv) (local.get $o)))))
      (local.set $a (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $gamma) (local.get $o)))) (local.get $i)))
      (f32.store (i32.add (local.get $dbeta) (local.get $o)) (f32.demote_f64 (local.get $sb)))
      (f32.store (i32.add (local.get $dgamma) (local.get $o)) (f32.demote_f64 (f64.mul (local.get $sg) (local.get $i))))
      (f32.store (i32.add (local.get $pa) (local.get $o)) (f32.demote_f64 (local.get $a)))
      (f32.store (i32.add (local.get $pb) (local.get $o))
        (f32.demote_f64 (f64.neg (f64.div (f64.mul (f64.mul (local.get $a) (f64.mul (local.get $i) (local.get $i))) (local.get $sg)) (local.get $n)))))
      (f32.store (i32.add (local.get $pk) (local.get $o))
        (f32.demote_f64 (f64.neg (f64.div (f64.mul (local.get $a) (local.get $sb)) (local.get $n)))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $chan (i32.lt_u (local.get $c) (local.get $C))))
    (call $channel_affine (local.get $dy) (local.get $pa) (local.get $xc) (local.get $pb) (local.get $pk) (local.get $dx)
      (local.get $rows) (local.get $C)))

  ;; C[m, n] = A[m, k] . B[k, n] (row-major f32; m a multiple of 4, n a multiple of 8): 4x8 register tiles.
  (func $gemm (param $A i32) (param $B i32) (param $Cm i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $kk i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $pb i32) (local $out i32) (local $kstep i32) (local $nstep i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local.set $kstep (i32.shl (local.get $k) (i32.const 2)))
    (local.set $nstep (i32.shl (local.get $n) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $p0 (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $kstep))))
        (local.set $p1 (i32.add (local.get $p0) (local.get $kstep)))
        (local.set $p2 (i32.add (local.get $p1) (local.get $kstep)))
        (local.set $p3 (i32.add (local.get $p2) (local.get $kstep)))
        (local.set $pb (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $kk (local.get $k))
        (loop $red
          ;; @generate fma_4x8 $pb
          (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
          (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
          (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
          (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
          (local.set $pb (i32.add (local.get $pb) (local.get $nstep)))
          (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
          (br_if $red (local.get $kk)))
        (local.set $out (i32.add (local.get $Cm) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
        (v128.store (local.get $out) (local.get $a0))
        (v128.store offset=16 (local.get $out) (local.get $a1))
        (local.set $out (i32.add (local.get $out) (local.get $nstep)))
        (v128.store (local.get $out) (local.get $a2))
        (v128.store offset=16 (local.get $out) (local.get $a3))
        (local.set $out (i32.add (local.get $out) (local.get $nstep)))
        (v128.store (local.get $out) (local.get $a4))
        (v128.store offset=16 (local.get $out) (local.get $a5))
        (local.set $out (i32.add (local.get $out) (local.get $nstep)))
        (v128.store (local.get $out) (local.get $a6))
        (v128.store offset=16 (local.get $out) (local.get $a7))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $m)))))

  ;; @generate winograd_f2x3

  ;; @generate winograd_filter_grad

)
