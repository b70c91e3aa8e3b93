import { Activity, ActivitySignup } from '../activities/activity.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Notice, NoticeRead } from '../notices/notice.entity';
import { Delivery } from '../wecom/delivery.entity';
import {
  IdNumberConflict,
  KnownClient,
  LoginFailure,
  RecoveryCode,
  Session,
  User,
} from '../auth/user.entity';
import { DeedBatch } from '../deeds/deed-batch.entity';
import { Deed } from '../deeds/deed.entity';
import { Evaluation } from '../evaluations/evaluation.entity';
import { Objection } from '../evaluations/objection.entity';
import { HouseholdCard } from '../households/household-card.entity';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { Photo } from '../photos/photo.entity';
import { RateLimitWindow } from './rate-limit';
import { Rule } from '../rules/rule.entity';
import { Incident } from '../scores/incident.entity';
import { TownScore } from '../scores/town-score.entity';
import { Redemption, RedemptionItem } from '../store/redemption.entity';
import { Goods, StockMovement, Store, StoreVillage } from '../store/store.entity';
import { PointsExpiry, PointsPolicy } from '../ledger/points-policy.entity';
import { VillageMonthFigures } from '../district/village-month-figures.entity';
import { Household, Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';

export const ENTITIES = [
  User,
  LoginFailure,
  KnownClient,
  IdNumberConflict,
  Session,
  RecoveryCode,
  Village,
  Household,
  Villager,
  Rule,
  Deed,
  DeedBatch,
  LedgerEntry,
  PointsPolicy,
  PointsExpiry,
  VillageMonthFigures,
  Store,
  StoreVillage,
  Goods,
  StockMovement,
  Redemption,
  RedemptionItem,
  Evaluation,
  Objection,
  HouseholdCard,
  RateLimitWindow,
  AuditEvent,
  Photo,
  Incident,
  TownScore,
  Activity,
  ActivitySignup,
  Notice,
  NoticeRead,
  Delivery,
];
