// Refusing a file that a newer version of the package migrated, checked whenever the
// memory copy takes in other processes' commits. The query that reads the version is
// skipped when those commits provably left it as it was: the schema is the same
// (same schema cookie), so `_migrations` keeps its root page, and that page, a leaf
// holding every row of the table, was not among the pages written.
import { SchemaTooNewError } from './errors.js';
import { migrationsRootPage, recordedVersion } from './migrations.js';
import type { SqlDatabase } from './sqljs/types.js';

/** Header bytes 40–43: SQLite's schema cookie, changed by every change of the schema. */
const SCHEMA_COOKIE_OFFSET = 40;
/** The first byte of a b-tree page that holds rows itself (no child pages). */
const LEAF_TABLE_PAGE = 13;

/** Where the recorded version was read from last time, when one page holds it all. */
interface VersionPage {
  schemaCookie: number;
  pageNumber: number;
}

export class SchemaVersionGuard {
  private versionPage: VersionPage | undefined;

  constructor(
    private readonly path: string,
    /** The newest schema version this code knows; undefined: any. */
    private readonly knownVersion: number | undefined,
  ) {}

  /** Reads the file's version from `db`, whose file is `image`, and refuses one newer than this code knows. */
  assertKnown(db: SqlDatabase, image: Uint8Array, pageSize: number): void {
    this.versionPage = undefined;
    const pageNumber = migrationsRootPage(db);
    const fileVersion = recordedVersion(db, pageNumber);
    if (this.knownVersion !== undefined && fileVersion > this.knownVersion) {
      throw new SchemaTooNewError(this.path, fileVersion, this.knownVersion);
    }
    if (pageNumber !== undefined && isLeafTablePage(image, pageNumber, pageSize))
      this.versionPage = { schemaCookie: schemaCookieOf(image), pageNumber };
  }

  /** Like assertKnown(), once `written` pages of `image` changed; no query when they cannot have changed the version. */
  assertKnownAfter(db: SqlDatabase, image: Uint8Array, pageSize: number, written: ReadonlySet<number>): void {
    const known = this.versionPage;
    const unchanged =
      known !== undefined &&
      !written.has(known.pageNumber) &&
      schemaCookieOf(image) === known.schemaCookie &&
      isLeafTablePage(image, known.pageNumber, pageSize);
    if (!unchanged) this.assertKnown(db, image, pageSize);
  }
}

function schemaCookieOf(image: Uint8Array): number {
  return new DataView(image.buffer, image.byteOffset + SCHEMA_COOKIE_OFFSET, 4).getUint32(0);
}

function isLeafTablePage(image: Uint8Array, pageNumber: number, pageSize: number): boolean {
  // Page 1 starts with the database header; no other table's root is there.
  return (
    pageNumber > 1 && pageNumber * pageSize <= image.length && image[(pageNumber - 1) * pageSize] === LEAF_TABLE_PAGE
  );
}
