import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { DefaultRuleCatalogue1763900000001 } from './1763900000001-default-rule-catalogue';
import { AppendOnlyLedger1763900000002 } from './1763900000002-append-only-ledger';
import { AccountsAndLoginThrottle1763920000000 } from './1763920000000-accounts-and-login-throttle';

/** Every migration, in order. Listed explicitly so ts-jest and the compiled build load the same set. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  DefaultRuleCatalogue1763900000001,
  AppendOnlyLedger1763900000002,
  AccountsAndLoginThrottle1763920000000,
];
