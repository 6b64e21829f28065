// The local state's schema versions. Version 1 is the native schema, and imports
// the project's state.json in the same transaction when there is one; a file the
// native version left with its tables but no version recorded is adopted.
import { ConstraintError, createOrAdopt, InvalidJsonError, type Migration, type SqlDatabase } from '../engine/index.js';
import { JsonShape, keepAsBackup, readJsonIfPresent } from '../shared/json-import.js';
import { LOCAL_SCHEMA_V1 } from './schema.js';
import { writeAnnotation, writeArchitect, writeBuilder, writeUtil } from './rows.js';
import { stateFrom } from './records.js';
import type { StateInput } from './types.js';

export function localMigrations(stateJsonPath: string, dbPath: string): Migration[] {
  let imported = false;
  return [{
    version: 1,
    description: 'the native schema, with state.json imported',
    up: (db) => {
      // The native version leaves its tables without a version row when its own import failed.
      createOrAdopt(db, LOCAL_SCHEMA_V1, dbPath);
      const json = readJsonIfPresent(stateJsonPath);
      imported = json !== undefined;
      if (imported) importState(db, stateFrom(new JsonShape(stateJsonPath), json), stateJsonPath);
    },
    afterCommit: () => { if (imported) keepAsBackup(stateJsonPath); },
  }];
}

function importState(db: SqlDatabase, state: StateInput, stateJsonPath: string): void {
  try {
    if (state.architect) writeArchitect(db, state.architect);
    state.builders.forEach((builder) => writeBuilder(db, builder));
    state.utils.forEach((util) => writeUtil(db, util));
    state.annotations.forEach((annotation) => writeAnnotation(db, annotation));
  } catch (error) {
    // The schema rejected a record (unknown status, two builders on one port): the file is at fault.
    if (error instanceof ConstraintError) throw new InvalidJsonError(stateJsonPath, error.message.replace(/; nothing was written\.$/, ''));
    throw error;
  }
}
