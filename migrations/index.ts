import { InitialSchema1763900000000 } from './1763900000000-initial-schema';

/** Every migration, in order. Listed explicitly so ts-jest and the compiled build load the same set. */
export const MIGRATIONS = [InitialSchema1763900000000];
