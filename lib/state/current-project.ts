// The native version's module functions, bound to the state of the project found
// from the current folder. The store opens on first use; closeDb() closes it, and
// the next call opens it again.
import { StateStore } from './store.js';
import type { Annotation, ArchitectInput, ArchitectState, Builder, BuilderStatus, DashboardState, UtilTerminal } from './types.js';

let store: Promise<StateStore> | undefined;

function defaultStore(): Promise<StateStore> {
  if (!store) {
    const opening = StateStore.open();
    // A failed open is not kept: the next call tries again.
    opening.catch(() => { if (store === opening) store = undefined; });
    store = opening;
  }
  return store;
}

export const loadState = async (): Promise<DashboardState> => (await defaultStore()).loadState();
export const getArchitect = async (): Promise<ArchitectState | null> => (await defaultStore()).getArchitect();
export const setArchitect = async (architect: ArchitectInput | null): Promise<void> => (await defaultStore()).setArchitect(architect);
export const upsertBuilder = async (builder: Builder): Promise<void> => (await defaultStore()).upsertBuilder(builder);
export const removeBuilder = async (id: string): Promise<void> => (await defaultStore()).removeBuilder(id);
export const getBuilder = async (id: string): Promise<Builder | null> => (await defaultStore()).getBuilder(id);
export const getBuilders = async (): Promise<Builder[]> => (await defaultStore()).getBuilders();
export const getBuildersByStatus = async (status: BuilderStatus): Promise<Builder[]> => (await defaultStore()).getBuildersByStatus(status);
export const addUtil = async (util: UtilTerminal): Promise<void> => (await defaultStore()).addUtil(util);
export const removeUtil = async (id: string): Promise<void> => (await defaultStore()).removeUtil(id);
export const getUtils = async (): Promise<UtilTerminal[]> => (await defaultStore()).getUtils();
export const addAnnotation = async (annotation: Annotation): Promise<void> => (await defaultStore()).addAnnotation(annotation);
export const removeAnnotation = async (id: string): Promise<void> => (await defaultStore()).removeAnnotation(id);
export const getAnnotations = async (): Promise<Annotation[]> => (await defaultStore()).getAnnotations();
export const clearState = async (): Promise<void> => (await defaultStore()).clearState();

export async function closeDb(): Promise<void> {
  const closing = store;
  store = undefined;
  const opened = await closing?.catch(() => undefined);
  await opened?.close();
}
