/**
 * Opens the Store ksrv runs on. Backend details stay inside each backend's folder.
 */

import path from 'node:path';
import type { Store } from './store.ts';
import { MemoryStore } from './memory/memory-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export type StoreKind = 'sqlite' | 'memory';

/** The SQLite file inside a data directory. */
export const SQLITE_FILE_NAME = 'ksrv.db';

/** sqlite: `<dataDir>/ksrv.db` (the directory is created if missing). memory: dataDir is ignored. */
export async function openStore(kind: StoreKind, dataDir?: string): Promise<Store> {
  switch (kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      if (!dataDir) throw new Error('openStore: the sqlite store needs a data directory');
      return SqliteStore.open(path.join(dataDir, SQLITE_FILE_NAME));
    default:
      throw new Error(`openStore: unknown store kind "${kind as string}"`);
  }
}
