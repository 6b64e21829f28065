// Run on each runtime (bundled with the engine's baseline compile): a module compiled
// for sql.js, and one the host compiles after it, both run hot. Prints, as JSON, the tier
// V8 left each in ('liftoff', 'turbofan'), or 'unknown' where the runtime cannot say
// (V8 without --allow-natives-syntax, or not V8), and what each computed.
import { compileBaseline } from '../../lib/engine/sqljs/baseline-compile.js';

/** A module exporting `name`: (n) => n + (n-1) + … + 1, a loop that gets hot. */
function loopModule(name: string): Uint8Array {
  // biome-ignore format: WebAssembly opcodes, one instruction a line would be longer than the whole
  const body = [0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b];
  const code = [0x01, body.length, ...body];
  const exported = [0x01, name.length, ...Buffer.from(name), 0x00, 0x00];
  // biome-ignore format: the module's sections
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, exported.length, ...exported, 0x0a, code.length, ...code]);
}

type Loop = (n: number) => number;

function tierOf(f: Loop): string {
  try {
    const ask = (native: string) => new Function('f', `return %${native}(f)`)(f) as boolean;
    if (ask('IsTurboFanFunction')) return 'turbofan';
    return ask('IsLiftoffFunction') ? 'liftoff' : 'other';
  } catch {
    return 'unknown';
  }
}

const ours = new WebAssembly.Instance(compileBaseline(loopModule('ours'))).exports.ours as Loop;
// Other bytes: the same bytes would get the module V8 already compiled.
const host = new WebAssembly.Instance(new WebAssembly.Module(loopModule('host'))).exports.host as Loop;
const sums = [ours(100), host(100)];
// The optimising compiler works in the background: run both until the host's module tiered up, 20 s at most.
for (let round = 0, until = Date.now() + 20_000; Date.now() < until; round++) {
  for (let i = 0; i < 200; i++) sums.push(ours(10_000) - host(10_000));
  await new Promise((resolve) => setTimeout(resolve, 5));
  if (round >= 20 && tierOf(host) !== 'liftoff') break;
}
console.log(
  JSON.stringify({ ours: tierOf(ours), host: tierOf(host), sums: [sums[0], sums[1], ...new Set(sums.slice(2))] }),
);
