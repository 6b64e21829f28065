// The blocks of ports: 58 blocks of 100 ports from the base port up (the block at
// 5000 skipped), one block per project, and the ports of a project's block.
import type { PortLayout, PortRange } from './types.js';

export const DEFAULT_BASE_PORT = 4200;
export const BLOCK_SIZE = 100;
export const BLOCK_COUNT = 58;
/** macOS AirPlay listens on 5000. */
const RESERVED_BLOCK = 5000;
/** The highest base whose 58 blocks all end below port 65536. */
export const HIGHEST_BASE_PORT = Math.floor((65536 - BLOCK_COUNT * BLOCK_SIZE) / BLOCK_SIZE) * BLOCK_SIZE;

/** The ports of one project's block. */
export function portLayout(basePort: number): PortLayout {
  const range = (first: number, last: number): PortRange => ({ first: basePort + first, last: basePort + last });
  return {
    basePort,
    dashboard: basePort,
    architect: basePort + 1,
    builders: range(10, 29),
    utils: range(30, 49),
    annotations: range(50, 69),
  };
}

/** The blocks a new project may get, lowest first. */
export function candidateBlocks(basePort: number): number[] {
  return Array.from({ length: BLOCK_COUNT }, (_, i) => basePort + i * BLOCK_SIZE).filter(
    (port) => port !== RESERVED_BLOCK,
  );
}

/** What the schema's CHECK on base_port accepts. */
export function isBlockStart(port: number): boolean {
  return Number.isInteger(port) && port >= DEFAULT_BASE_PORT && port % BLOCK_SIZE === 0;
}
