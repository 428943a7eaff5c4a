/**
 * The default Store: one SQLite file (better-sqlite3), one transaction per write.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL (the default here). A commit has been
 * written to the WAL file (in the OS page cache) before the write's promise resolves, so every
 * acknowledged write survives the process being killed (kill -9, crash); the WAL is not fsynced
 * on each commit, so a power loss or kernel crash may drop the last few commits, never corrupt the
 * file. Pass `synchronous: 'FULL'` to fsync every commit and survive power loss too (slower).
 *
 * Schema: `objects` holds the current state, `changes` the last `historyLimit` writes for watch
 * replay, `meta` the global resourceVersion counter (persisted, so RVs keep increasing across
 * restarts). Watchers are in-process; another process writing the same file is not observed.
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { KObject } from '../../apis/meta.ts';
import type {
  ListOptions, ListResult, ObjectRef, ResourceRef, Store, StoreEvent, Watch, WatchEventType, WatchOptions,
} from '../store.ts';
import {
  alreadyExists, assertObjectMatchesRef, conflict, hasPrecondition, notFound, parseWatchStart,
  restampJson, stampedJson, tooOldResourceVersion,
} from '../backend-checks.ts';
import { WatchFanout, type Change } from '../watch-fanout.ts';

export interface SqliteStoreOptions {
  /** How many recent changes are kept for watch replay (default 10000). */
  historyLimit?: number;
  /** 'NORMAL' survives process crashes; 'FULL' also survives power loss. Default 'NORMAL'. */
  synchronous?: 'NORMAL' | 'FULL';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
  grp       TEXT NOT NULL,
  resource  TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  rv        INTEGER NOT NULL,
  json      TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_key ON objects (grp, resource, namespace, name);
CREATE TABLE IF NOT EXISTS changes (
  rv        INTEGER PRIMARY KEY,
  type      TEXT NOT NULL,
  grp       TEXT NOT NULL,
  resource  TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  json      TEXT NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('resourceVersion', 0), ('schemaVersion', 1);
`;

interface ChangeRow {
  rv: number; type: WatchEventType; grp: string; resource: string; namespace: string; name: string; json: string;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    currentRv: db.prepare<[], number>(`SELECT value FROM meta WHERE key = 'resourceVersion'`).pluck(),
    setRv: db.prepare<[number]>(`UPDATE meta SET value = ? WHERE key = 'resourceVersion'`),
    getObject: db.prepare<[string, string, string, string], { rv: number; json: string }>(
      `SELECT rv, json FROM objects WHERE grp = ? AND resource = ? AND namespace = ? AND name = ?`),
    listAll: db.prepare<[string, string], string>(
      `SELECT json FROM objects WHERE grp = ? AND resource = ? ORDER BY namespace, name`).pluck(),
    listNamespace: db.prepare<[string, string, string], string>(
      `SELECT json FROM objects WHERE grp = ? AND resource = ? AND namespace = ? ORDER BY name`).pluck(),
    insertObject: db.prepare<[string, string, string, string, number, string]>(
      `INSERT INTO objects (grp, resource, namespace, name, rv, json) VALUES (?, ?, ?, ?, ?, ?)`),
    updateObject: db.prepare<[number, string, string, string, string, string]>(
      `UPDATE objects SET rv = ?, json = ? WHERE grp = ? AND resource = ? AND namespace = ? AND name = ?`),
    deleteObject: db.prepare<[string, string, string, string]>(
      `DELETE FROM objects WHERE grp = ? AND resource = ? AND namespace = ? AND name = ?`),
    insertChange: db.prepare<[number, string, string, string, string, string, string]>(
      `INSERT INTO changes (rv, type, grp, resource, namespace, name, json) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    trimChanges: db.prepare<[number]>(`DELETE FROM changes WHERE rv <= ?`),
    oldestChange: db.prepare<[], number | null>(`SELECT MIN(rv) FROM changes`).pluck(),
    changesAfter: db.prepare<[number, string, string], ChangeRow>(
      `SELECT rv, type, grp, resource, namespace, name, json FROM changes
        WHERE rv > ? AND grp = ? AND resource = ? ORDER BY rv`),
  };
}

export class SqliteStore implements Store {
  private readonly fanout = new WatchFanout();
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    private readonly historyLimit: number,
  ) {}

  static async open(file: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new SqliteStore(db, prepare(db), Math.max(1, opts.historyLimit ?? 10000));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async get(ref: ObjectRef): Promise<KObject | undefined> {
    this.assertOpen();
    const row = this.sql.getObject.get(ref.group, ref.resource, ref.namespace, ref.name);
    return row ? (JSON.parse(row.json) as KObject) : undefined;
  }

  async list(res: ResourceRef, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const rows = opts.namespace
      ? this.sql.listNamespace.all(res.group, res.resource, opts.namespace)
      : this.sql.listAll.all(res.group, res.resource);
    return { items: rows.map((json) => JSON.parse(json) as KObject), resourceVersion: String(this.sql.currentRv.get()) };
  }

  async create(ref: ObjectRef, obj: KObject): Promise<KObject> {
    this.assertOpen();
    assertObjectMatchesRef(ref, obj);
    const change = this.write(ref, (rv) => {
      if (this.sql.getObject.get(ref.group, ref.resource, ref.namespace, ref.name)) throw alreadyExists(ref);
      const json = stampedJson(obj, rv);
      this.sql.insertObject.run(ref.group, ref.resource, ref.namespace, ref.name, rv, json);
      return { type: 'ADDED', json };
    });
    return JSON.parse(change.json) as KObject;
  }

  async update(ref: ObjectRef, obj: KObject, expectedResourceVersion?: string): Promise<KObject> {
    this.assertOpen();
    assertObjectMatchesRef(ref, obj);
    const change = this.write(ref, (rv) => {
      this.checkCurrent(ref, expectedResourceVersion);
      const json = stampedJson(obj, rv);
      this.sql.updateObject.run(rv, json, ref.group, ref.resource, ref.namespace, ref.name);
      return { type: 'MODIFIED', json };
    });
    return JSON.parse(change.json) as KObject;
  }

  async delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KObject> {
    this.assertOpen();
    const change = this.write(ref, (rv) => {
      const current = this.checkCurrent(ref, expectedResourceVersion);
      this.sql.deleteObject.run(ref.group, ref.resource, ref.namespace, ref.name);
      return { type: 'DELETED', json: restampJson(current.json, rv) };
    });
    return JSON.parse(change.json) as KObject;
  }

  async watch(res: ResourceRef, opts: WatchOptions, onEvent: (ev: StoreEvent) => void): Promise<Watch> {
    this.assertOpen();
    const from = parseWatchStart(opts.fromResourceVersion);
    // Reading the backlog and subscribing happen in one synchronous step: no write can interleave.
    if (from === undefined) return this.fanout.subscribe(res, opts.namespace, this.sql.currentRv.get()!, [], onEvent);
    const oldest = this.sql.oldestChange.get();
    if (oldest !== null && oldest !== undefined && from < oldest - 1) throw tooOldResourceVersion(from, oldest);
    const backlog = this.sql.changesAfter.all(from, res.group, res.resource).map(rowToChange);
    return this.fanout.subscribe(res, opts.namespace, from, backlog, onEvent);
  }

  async currentResourceVersion(): Promise<string> {
    this.assertOpen();
    return String(this.sql.currentRv.get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fanout.stopAll();
    this.db.close();
  }

  /** Runs one write in its own IMMEDIATE transaction with the next RV, then notifies watchers. */
  private write(ref: ObjectRef, apply: (rv: number) => { type: WatchEventType; json: string }): Change {
    const txn = this.db.transaction((): Change => {
      const rv = this.sql.currentRv.get()! + 1;
      const { type, json } = apply(rv);
      this.sql.setRv.run(rv);
      this.sql.insertChange.run(rv, type, ref.group, ref.resource, ref.namespace, ref.name, json);
      this.sql.trimChanges.run(rv - this.historyLimit);
      return { rv, type, ref: { group: ref.group, resource: ref.resource, namespace: ref.namespace, name: ref.name }, json };
    });
    const change = txn.immediate();
    this.fanout.publish(change);
    return change;
  }

  private checkCurrent(ref: ObjectRef, expectedResourceVersion: string | undefined): { rv: number; json: string } {
    const current = this.sql.getObject.get(ref.group, ref.resource, ref.namespace, ref.name);
    if (!current) throw notFound(ref);
    if (hasPrecondition(expectedResourceVersion) && expectedResourceVersion !== String(current.rv)) {
      throw conflict(ref, String(current.rv));
    }
    return current;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

function rowToChange(row: ChangeRow): Change {
  return {
    rv: row.rv, type: row.type, json: row.json,
    ref: { group: row.grp, resource: row.resource, namespace: row.namespace, name: row.name },
  };
}
