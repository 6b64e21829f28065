// The engine benchmark's former entry, kept so `node bench/engine.mjs` still works:
// the per-commit latency and parallel-writer workloads now live in the side-by-side
// runner (bench/run.mjs, workloads 2 and 5), which this runs in full.
import './run.mjs';
