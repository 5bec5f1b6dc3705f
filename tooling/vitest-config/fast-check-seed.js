// Property tests draw from one fixed seed, so a run is reproducible: CI and a developer see the same cases, and a
// failure is the same failure on a rerun (fast-check prints the seed and shrink path of a counterexample either
// way). Explore other draws with FC_SEED=random or FC_SEED=<integer>; a counterexample found that way belongs in a
// test as a fixed case.
import fc from 'fast-check';

const env = process.env.FC_SEED;
const seed =
  env === 'random'
    ? (Date.now() ^ Math.floor(Math.random() * 0x100000000)) | 0
    : env
      ? Number(env)
      : 20261126;
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${env}"`);
if (env === 'random')
  console.log(`fast-check seed ${seed} for this test file (FC_SEED=${seed} repeats its draws)`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
