import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { DefaultRuleCatalogue1763900000001 } from './1763900000001-default-rule-catalogue';
import { AppendOnlyLedger1763900000002 } from './1763900000002-append-only-ledger';
import { DataLayerInvariants1763900000003 } from './1763900000003-data-layer-invariants';
import { PublicityObjections1763900000004 } from './1763900000004-publicity-objections';
import { DeedBatches1763900000005 } from './1763900000005-deed-batches';
import { HouseholdCards1763900000006 } from './1763900000006-household-cards';
import { AuditEvents1763900000007 } from './1763900000007-audit-events';
import { AccountsAndLoginThrottle1763920000000 } from './1763920000000-accounts-and-login-throttle';
import { PhotoEvidence1763930000000 } from './1763930000000-photo-evidence';
import { ExportIndexes1763940000000 } from './1763940000000-export-indexes';
import { VillagerNameInitials1763950000000 } from './1763950000000-villager-name-initials';
import { KnownLoginClients1763960000000 } from './1763960000000-known-login-clients';
import { DisplayNames1763970000000 } from './1763970000000-display-names';
import { CatalogueQuotes1763970000001 } from './1763970000001-catalogue-quotes';
import { VillagerBirthAndRelation1763970000002 } from './1763970000002-villager-birth-and-relation';
import { BoardPrivacy1763980000000 } from './1763980000000-board-privacy';
import { SessionsAndSecondFactor1763990000000 } from './1763990000000-sessions-and-second-factor';
import { ConsentNotes1764000000000 } from './1764000000000-consent-notes';
import { ElderMode1764000000001 } from './1764000000001-elder-mode';
import { District1764100000000 } from './1764100000000-district';
import { VillageScores1764100000001 } from './1764100000001-village-scores';
import { VillageMonthFigures1764100000002 } from './1764100000002-village-month-figures';
import { Activities1764200000000 } from './1764200000000-activities';
import { Notices1764200000001 } from './1764200000001-notices';
import { Wecom1764200000002 } from './1764200000002-wecom';
import { PartitionedHistory1764300000000 } from './1764300000000-partitioned-history';

/** Every migration, in order. Listed explicitly so ts-jest and the compiled build load the same set. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  DefaultRuleCatalogue1763900000001,
  AppendOnlyLedger1763900000002,
  DataLayerInvariants1763900000003,
  PublicityObjections1763900000004,
  DeedBatches1763900000005,
  HouseholdCards1763900000006,
  AuditEvents1763900000007,
  AccountsAndLoginThrottle1763920000000,
  PhotoEvidence1763930000000,
  ExportIndexes1763940000000,
  VillagerNameInitials1763950000000,
  KnownLoginClients1763960000000,
  DisplayNames1763970000000,
  CatalogueQuotes1763970000001,
  VillagerBirthAndRelation1763970000002,
  BoardPrivacy1763980000000,
  SessionsAndSecondFactor1763990000000,
  ConsentNotes1764000000000,
  ElderMode1764000000001,
  District1764100000000,
  VillageScores1764100000001,
  VillageMonthFigures1764100000002,
  Activities1764200000000,
  Notices1764200000001,
  Wecom1764200000002,
  PartitionedHistory1764300000000,
];
