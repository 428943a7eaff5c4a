/**
 * The reference index: canonical reference (`repo:tag` or `repo@digest`) → manifest digest.
 * A small SQLite table so that `ksrv image …` commands and a running `ksrv up` can change it at once.
 */
import Database from 'better-sqlite3';

export interface IndexedRef {
  ref: string;
  repository: string;
  /** Undefined for references pinned by digest. */
  tag?: string;
  digest: string;
  addedAt: number;
}

interface Row { ref: string; repository: string; tag: string | null; digest: string; added_at: number }

export class TagIndex {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS refs (
      ref TEXT PRIMARY KEY,
      repository TEXT NOT NULL,
      tag TEXT,
      digest TEXT NOT NULL,
      added_at INTEGER NOT NULL
    )`);
  }

  get(ref: string): IndexedRef | undefined {
    const row = this.db.prepare('SELECT * FROM refs WHERE ref = ?').get(ref) as Row | undefined;
    return row && toRef(row);
  }

  /** Points `ref` at `digest` (moving it if it pointed elsewhere). */
  set(ref: string, repository: string, tag: string | undefined, digest: string): void {
    this.db.prepare(`INSERT INTO refs (ref, repository, tag, digest, added_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(ref) DO UPDATE SET digest = excluded.digest, added_at = excluded.added_at`)
      .run(ref, repository, tag ?? null, digest, Date.now());
  }

  delete(ref: string): boolean {
    return this.db.prepare('DELETE FROM refs WHERE ref = ?').run(ref).changes > 0;
  }

  list(): IndexedRef[] {
    return (this.db.prepare('SELECT * FROM refs ORDER BY repository, tag IS NULL, tag, digest').all() as Row[]).map(toRef);
  }

  digests(): Set<string> {
    return new Set((this.db.prepare('SELECT DISTINCT digest FROM refs').all() as Array<{ digest: string }>).map((r) => r.digest));
  }

  close(): void {
    this.db.close();
  }
}

function toRef(row: Row): IndexedRef {
  const r: IndexedRef = { ref: row.ref, repository: row.repository, digest: row.digest, addedAt: row.added_at };
  if (row.tag !== null) r.tag = row.tag;
  return r;
}
