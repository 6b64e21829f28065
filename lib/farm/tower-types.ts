// The shape of what the tower sends its page (farm-status.ts builds it): the native
// tower's instance fields, with each farm's processes as its files record them. Types
// only, with no Node.js import: the page's code (lib/page/) imports them too.
import type { Problem } from './overview-types.js';

export interface FarmEntry {
  projectPath: string;
  projectName: string;
  basePort: number;
  dashboardPort: number;
  architectPort: number;
  registered: string;
  lastUsed: string;
  /** Its dashboard runs (the native tower's meaning of "running"). */
  running: boolean;
  /** `url` opens the dashboard signed in (the URL `af start` prints), while it runs. */
  dashboard: { running: boolean; pid?: number; url?: string };
  architect: { running: boolean; pid?: number };
  builders: { alive: number; dead: number };
  /** Set when the project's files cannot be read: what is shown is what could be read. */
  problem?: Problem;
}

export interface TowerStatus {
  instances: FarmEntry[];
  /** Set while the port registry cannot be read: `instances` is then the last list read, or empty. */
  problem?: Problem;
}

/** A folder `GET /api/browse` suggests: `isProject` when it holds codev/ or .agent-farm/. */
export interface FolderSuggestion {
  path: string;
  isProject: boolean;
}
