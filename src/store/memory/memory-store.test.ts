import { runStoreConformance, CONFORMANCE_HISTORY_LIMIT } from '../conformance.ts';
import { MemoryStore } from './memory-store.ts';

runStoreConformance('memory', async () => {
  const store = new MemoryStore({ historyLimit: CONFORMANCE_HISTORY_LIMIT });
  return { store, cleanup: () => store.close() };
});
