// The local state's schema versions. Version 1 is the native schema, and imports
// the project's state.json in the same transaction when there is one; a file the
// native version left with its tables but no version recorded is adopted. Version 2
// adds a table of builders' instructions beside the native ones.
import { assertSchema, ConstraintError, createOrAdopt, type Migration, type SqlDatabase } from '../engine/index.js';
import { InvalidJsonError } from '../shared/errors.js';
import { JsonFileValidator, keepAsBackup, readJsonIfPresent } from '../shared/json-import.js';
import { LOCAL_SCHEMA_V1 } from './schema.js';
import { LOCAL_SCHEMA_V2 } from './instructions.js';
import { writeAnnotation, writeArchitect, writeBuilder, writeUtil } from './rows.js';
import { validState } from './records.js';
import { ANNOTATION_PARENT_TYPES, BUILDER_STATUSES, BUILDER_TYPES, type StateInput } from './types.js';

export function localMigrations(stateJsonPath: string, dbPath: string): Migration[] {
  let imported = false;
  return [
    {
      version: 1,
      description: 'the native schema, with state.json imported',
      up: (db) => {
        // The native version leaves its tables without a version row when its own import failed.
        createOrAdopt(db, LOCAL_SCHEMA_V1, dbPath);
        const json = readJsonIfPresent(stateJsonPath);
        imported = json !== undefined;
        if (imported) importState(db, validState(new JsonFileValidator(stateJsonPath), json), stateJsonPath);
      },
      afterCommit: () => {
        if (imported) keepAsBackup(stateJsonPath);
      },
    },
    {
      version: 2,
      description: "each builder's instructions",
      // On the native tables only: a file of another layout is refused as it is, before anything is written.
      up: (db) => {
        assertSchema(db, LOCAL_SCHEMA_V1, dbPath, { otherTables: 'allowed' });
        db.run(LOCAL_SCHEMA_V2);
      },
    },
  ];
}

function importState(db: SqlDatabase, state: StateInput, stateJsonPath: string): void {
  try {
    if (state.architect) writeArchitect(db, state.architect);
    for (const builder of state.builders) writeBuilder(db, builder);
    for (const util of state.utils) writeUtil(db, util);
    for (const annotation of state.annotations) writeAnnotation(db, annotation);
  } catch (error) {
    // The schema rejected a record (unknown status, two builders on one port): the file is at fault.
    if (error instanceof ConstraintError) throw new InvalidJsonError(stateJsonPath, brokenRule(error));
    throw error;
  }
}

/** What the record broke, said from the ConstraintError's fields. */
function brokenRule(error: ConstraintError): string {
  const broken =
    error.rule === 'unique'
      ? 'is already taken by another row'
      : error.rule === 'not null'
        ? 'is missing and required'
        : `is not allowed${allowedValues(error.table, error.field)}`;
  return `${error.table}.${error.field} = ${JSON.stringify(error.value ?? null)} ${broken}`;
}

/** The values a column's CHECK allows, when it is one of the listed ones. */
function allowedValues(table: string, field: string): string {
  const allowed = ALLOWED[`${table}.${field}`];
  return allowed ? ` (it must be one of ${allowed.join(', ')})` : '';
}

const ALLOWED: Record<string, readonly string[] | undefined> = {
  'builders.status': BUILDER_STATUSES,
  'builders.type': BUILDER_TYPES,
  'annotations.parent_type': ANNOTATION_PARENT_TYPES,
};
