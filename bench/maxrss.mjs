// Preloaded (`node --import`) into a measured process where /usr/bin/time is missing:
// writes the process's peak resident set size, in KiB, to BENCH_MAXRSS_FILE at exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.BENCH_MAXRSS_FILE, String(process.resourceUsage().maxRSS)));
