// The port registry's schema versions. Version 1 is the native schema, and imports
// the user's ports.json in the same transaction when there is one (kept as a `.bak`
// once committed); a file the native version left with its table is adopted.
import { createOrAdopt, type Migration } from '../engine/index.js';
import { keepAsBackup } from '../shared/json-import.js';
import { importPortsJson } from './ports-json.js';
import { GLOBAL_SCHEMA_V1 } from './schema.js';

export function globalMigrations(portsJsonPath: string, dbPath: string): Migration[] {
  return [
    {
      version: 1,
      description: 'port allocations, imported from ports.json when present',
      up: (db) => {
        createOrAdopt(db, GLOBAL_SCHEMA_V1, dbPath);
        importPortsJson(db, portsJsonPath);
      },
      afterCommit: () => keepAsBackup(portsJsonPath),
    },
  ];
}
