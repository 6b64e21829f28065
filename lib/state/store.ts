// The local state API (state.db): the native version's operations on an explicit
// store, plus the atomic reservations the native version lacked (a free port and
// the row holding it, the next free builder id, in one transaction).
import { dirname, join, resolve } from 'node:path';
import {
  assertSchema,
  type DatabaseOptions,
  isProcessAlive,
  SharedDatabase,
  type SqlDatabase,
} from '../engine/index.js';
import { stateDbPath } from '../shared/paths.js';
import { ArgumentValidator } from '../shared/validators.js';
import { LOCAL_SCHEMA_V1, LOCAL_TABLES } from './schema.js';
import { localMigrations } from './migrations.js';
import {
  readAnnotations,
  readArchitect,
  readBuilders,
  readUtils,
  writeAnnotation,
  writeArchitect,
  writeBuilder,
  writeUtil,
} from './rows.js';
import { copyOfState, readState } from './whole-state.js';
import { validAnnotation, validArchitect, validBuilder, validUtil } from './records.js';
import {
  type BuilderLaunch,
  LOCAL_SCHEMA_V2,
  readAllPrompts,
  readInstructions,
  writeInstructions,
} from './instructions.js';
import type {
  Annotation,
  ArchitectInput,
  ArchitectState,
  Builder,
  BuilderStatus,
  DashboardState,
  UtilTerminal,
} from './types.js';
import type { PortRange } from '../ports/types.js';
import { lowestFreePort, nextFreeId } from './free-slots.js';

export interface StateStoreOptions
  extends Pick<DatabaseOptions, 'busyTimeout' | 'staleThreshold' | 'durability' | 'wasmPath'> {
  /** The state.json imported on first open. Default: `state.json` beside the database. */
  stateJsonPath?: string;
}

/** A builder to reserve: the id is optional (the next free `<type>-<n>` is taken), the port is chosen. */
export type BuilderDraft = Omit<Builder, 'id' | 'port'> & { id?: string };

/** A builder without an id is numbered within its type: `task-1`, `shell-2`... */
const idPrefixOf = (draft: BuilderDraft) => `${draft.type ?? 'spec'}-`;

export class StateStore {
  private constructor(readonly database: SharedDatabase) {}

  static async open(dbPath: string = stateDbPath(), options: StateStoreOptions = {}): Promise<StateStore> {
    const { stateJsonPath = join(dirname(dbPath), 'state.json'), ...engine } = options;
    const absolutePath = resolve(dbPath);
    return new StateStore(
      await SharedDatabase.open(absolutePath, {
        ...engine,
        migrations: localMigrations(stateJsonPath, absolutePath),
        // The tables of both versions: a schema damaged into another (a renamed column) is refused at open.
        verify: (db) => assertSchema(db, LOCAL_SCHEMA_V1 + LOCAL_SCHEMA_V2, absolutePath, { otherTables: 'allowed' }),
      }),
    );
  }

  get path(): string {
    return this.database.path;
  }

  /** The whole state; while the file is unchanged, a copy of what the last call read. */
  async loadState(): Promise<DashboardState> {
    return copyOfState(await this.database.readRemembered(readState));
  }

  getArchitect(): Promise<ArchitectState | null> {
    return this.database.read(readArchitect);
  }

  /** Records the architect (the singleton row); null removes it. */
  async setArchitect(architect: ArchitectInput | null): Promise<void> {
    const checked =
      architect === null ? null : validArchitect(new ArgumentValidator('setArchitect'), architect, 'architect');
    await this.database.transaction((db) => (checked ? writeArchitect(db, checked) : db.run('DELETE FROM architect')));
  }

  /**
   * Records `claim` as the architect unless a running one is recorded, in one
   * transaction, so two starts at once launch one architect. Returns the running
   * one (nothing written), or the dead one that `claim` replaced.
   */
  async claimArchitect(claim: ArchitectInput): Promise<{ running?: ArchitectState; replaced?: ArchitectState }> {
    const checked = validArchitect(new ArgumentValidator('claimArchitect'), claim, 'architect');
    return this.database.transaction((db) => {
      const current = readArchitect(db);
      if (current && isProcessAlive(current.pid)) return { running: current };
      writeArchitect(db, checked);
      return current ? { replaced: current } : {};
    });
  }

  /**
   * Claims a recorded builder whose process is no longer alive for the process `pid`
   * (its row then names `pid`), in one transaction, so two resumes at once start one
   * agent. Returns the builder as it was; the running one, with nothing written; or
   * nothing when no such builder is recorded.
   */
  async claimBuilder(id: string, pid: number): Promise<{ running?: Builder; claimed?: Builder }> {
    return this.database.transaction((db) => {
      const [current] = readBuilders(db, 'WHERE id = ?', [id]);
      if (!current) return {};
      if (isProcessAlive(current.pid)) return { running: current };
      db.run('UPDATE builders SET pid = ? WHERE id = ?', [pid, id]);
      return { claimed: current };
    });
  }

  /** Inserts the builder, or updates every field of the builder with the same id. */
  async upsertBuilder(builder: Builder): Promise<void> {
    const checked = validBuilder(new ArgumentValidator('upsertBuilder'), builder, 'builder');
    await this.database.transaction((db) => writeBuilder(db, checked));
  }

  /** Removes the builder and its instructions. */
  async removeBuilder(id: string): Promise<void> {
    await this.database.transaction((db) => {
      db.run('DELETE FROM builders WHERE id = ?', [id]);
      writeInstructions(db, id, undefined);
    });
  }

  /** The command and prompt the builder was started with, when it was started by this version. */
  getInstructions(id: string): Promise<BuilderLaunch | undefined> {
    return this.database.read((db) => readInstructions(db, id));
  }

  /** Records how the builder was started last (a resume may give another command). */
  async recordLaunch(id: string, launch: BuilderLaunch): Promise<void> {
    await this.database.transaction((db) => writeInstructions(db, id, launch));
  }

  /** Every builder's prompt by id; while the file is unchanged, what the last call read. */
  async loadInstructions(): Promise<Record<string, string>> {
    return { ...(await this.database.readRemembered(readAllPrompts)) };
  }

  getBuilder(id: string): Promise<Builder | null> {
    return this.database.read((db) => readBuilders(db, 'WHERE id = ?', [id])[0] ?? null);
  }

  getBuilders(): Promise<Builder[]> {
    return this.database.read((db) => readBuilders(db));
  }

  getBuildersByStatus(status: BuilderStatus): Promise<Builder[]> {
    return this.database.read((db) => readBuilders(db, 'WHERE status = ?', [status]));
  }

  async addUtil(util: UtilTerminal): Promise<void> {
    const checked = validUtil(new ArgumentValidator('addUtil'), util, 'util');
    await this.database.transaction((db) => writeUtil(db, checked));
  }

  async removeUtil(id: string): Promise<void> {
    await this.database.transaction((db) => db.run('DELETE FROM utils WHERE id = ?', [id]));
  }

  /** Fills in the process of a reserved utility terminal, keeping its port held throughout. */
  async setUtilProcess(id: string, running: { pid: number; tmuxSession?: string }): Promise<void> {
    await this.database.transaction((db) =>
      db.run('UPDATE utils SET pid = ?, tmux_session = ? WHERE id = ?', [running.pid, running.tmuxSession ?? null, id]),
    );
  }

  getUtils(): Promise<UtilTerminal[]> {
    return this.database.read(readUtils);
  }

  async addAnnotation(annotation: Annotation): Promise<void> {
    const checked = validAnnotation(new ArgumentValidator('addAnnotation'), annotation, 'annotation');
    await this.database.transaction((db) => writeAnnotation(db, checked));
  }

  async removeAnnotation(id: string): Promise<void> {
    await this.database.transaction((db) => db.run('DELETE FROM annotations WHERE id = ?', [id]));
  }

  /** Fills in the process of a reserved annotation, keeping its port held throughout. */
  async setAnnotationProcess(id: string, pid: number): Promise<void> {
    await this.database.transaction((db) => db.run('UPDATE annotations SET pid = ? WHERE id = ?', [pid, id]));
  }

  getAnnotations(): Promise<Annotation[]> {
    return this.database.read(readAnnotations);
  }

  /**
   * Removes the utility terminals and annotations whose process is no longer alive,
   * in one transaction; returns the state that remains.
   */
  async pruneDead(isAlive: (pid: number) => boolean): Promise<DashboardState> {
    return this.database.transaction((db) => {
      for (const util of readUtils(db)) if (!isAlive(util.pid)) db.run('DELETE FROM utils WHERE id = ?', [util.id]);
      for (const annotation of readAnnotations(db))
        if (!isAlive(annotation.pid)) db.run('DELETE FROM annotations WHERE id = ?', [annotation.id]);
      return readState(db);
    });
  }

  /** Empties all four tables, and the builders' instructions, in one transaction. */
  async clearState(): Promise<void> {
    await this.database.transaction((db) => {
      for (const table of LOCAL_TABLES) db.run(`DELETE FROM ${table}`);
    });
  }

  /**
   * Records a builder on the lowest free port of `ports`, with the next free id
   * `<type>-<n>` unless the draft names one, and how it is started, in one
   * transaction: two processes reserving at once never get the same port or id.
   */
  reserveBuilder(draft: BuilderDraft, ports: PortRange, launch?: BuilderLaunch): Promise<Builder> {
    return this.reserve(
      'reserveBuilder',
      'builder',
      ports,
      (db, port) => ({ ...draft, id: draft.id ?? nextFreeId(db, idPrefixOf(draft)), port }),
      validBuilder,
      (db, builder) => {
        writeBuilder(db, builder, 'insert');
        writeInstructions(db, builder.id, launch);
      },
    );
  }

  /** The id reserveBuilder() would give `draft` now, passing over the ids in `passedOver` too. */
  nextBuilderId(draft: BuilderDraft, passedOver: ReadonlySet<string>): Promise<string> {
    return this.database.read((db) => nextFreeId(db, idPrefixOf(draft), passedOver));
  }

  /** Records a utility terminal on the lowest free port of `ports`, in one transaction. */
  reserveUtil(draft: Omit<UtilTerminal, 'port'>, ports: PortRange): Promise<UtilTerminal> {
    return this.reserve(
      'reserveUtil',
      'utility terminal',
      ports,
      (_db, port) => ({ ...draft, port }),
      validUtil,
      writeUtil,
    );
  }

  /** Records an annotation on the lowest free port of `ports`, in one transaction. */
  reserveAnnotation(draft: Omit<Annotation, 'port'>, ports: PortRange): Promise<Annotation> {
    return this.reserve(
      'reserveAnnotation',
      'annotation',
      ports,
      (_db, port) => ({ ...draft, port }),
      validAnnotation,
      writeAnnotation,
    );
  }

  /** In one transaction: the lowest free port of `ports`, the record that holds it, checked and written. */
  private reserve<T>(
    call: string,
    what: string,
    ports: PortRange,
    withPort: (db: SqlDatabase, port: number) => unknown,
    check: (validator: ArgumentValidator, value: unknown, at: string) => T,
    write: (db: SqlDatabase, record: T) => void,
  ): Promise<T> {
    const validator = new ArgumentValidator(call);
    return this.database.transaction((db) => {
      const record = check(validator, withPort(db, lowestFreePort(db, ports, what)), what);
      write(db, record);
      return record;
    });
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
