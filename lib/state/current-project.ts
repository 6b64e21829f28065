// The native version's state functions (loadState, upsertBuilder, ...): module
// functions bound to one StateStore per process, that of the project found from the
// current folder when first used. closeDb() closes it; the next call opens it again
// (for the project of the then current folder).
import { openOnce } from '../shared/open-once.js';
import { StateStore } from './store.js';
import type {
  Annotation,
  ArchitectInput,
  ArchitectState,
  Builder,
  BuilderStatus,
  DashboardState,
  UtilTerminal,
} from './types.js';

const current = openOnce(() => StateStore.open());
const defaultStore = () => current.get();

export const loadState = async (): Promise<DashboardState> => (await defaultStore()).loadState();
export const getArchitect = async (): Promise<ArchitectState | null> => (await defaultStore()).getArchitect();
export const setArchitect = async (architect: ArchitectInput | null): Promise<void> =>
  (await defaultStore()).setArchitect(architect);
export const upsertBuilder = async (builder: Builder): Promise<void> => (await defaultStore()).upsertBuilder(builder);
export const removeBuilder = async (id: string): Promise<void> => (await defaultStore()).removeBuilder(id);
export const getBuilder = async (id: string): Promise<Builder | null> => (await defaultStore()).getBuilder(id);
export const getBuilders = async (): Promise<Builder[]> => (await defaultStore()).getBuilders();
export const getBuildersByStatus = async (status: BuilderStatus): Promise<Builder[]> =>
  (await defaultStore()).getBuildersByStatus(status);
export const addUtil = async (util: UtilTerminal): Promise<void> => (await defaultStore()).addUtil(util);
export const removeUtil = async (id: string): Promise<void> => (await defaultStore()).removeUtil(id);
export const getUtils = async (): Promise<UtilTerminal[]> => (await defaultStore()).getUtils();
export const addAnnotation = async (annotation: Annotation): Promise<void> =>
  (await defaultStore()).addAnnotation(annotation);
export const removeAnnotation = async (id: string): Promise<void> => (await defaultStore()).removeAnnotation(id);
export const getAnnotations = async (): Promise<Annotation[]> => (await defaultStore()).getAnnotations();
export const clearState = async (): Promise<void> => (await defaultStore()).clearState();

export async function closeDb(): Promise<void> {
  await current.close();
}
