// The port registry's application types, as the native version's API returns them.

/** Ports inclusive at both ends. */
export interface PortRange {
  first: number;
  last: number;
}

/** The ports of one project's block (see layout.ts). */
export interface PortLayout {
  basePort: number;
  dashboard: number;
  architect: number;
  builders: PortRange;
  utils: PortRange;
  annotations: PortRange;
}

/** One project's block, as listAllocations() returns it. */
export interface PortAllocation {
  path: string;
  basePort: number;
  registered: string;
  lastUsed: string;
  pid?: number;
  pidAlive: boolean;
}
