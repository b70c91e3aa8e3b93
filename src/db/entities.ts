import { IdNumberConflict, LoginFailure, User } from '../auth/user.entity';
import { Deed } from '../deeds/deed.entity';
import { Evaluation } from '../evaluations/evaluation.entity';
import { LedgerEntry } from '../ledger/ledger-entry.entity';
import { Rule } from '../rules/rule.entity';
import { Redemption, RedemptionItem } from '../store/redemption.entity';
import { Goods, StockMovement, Store, StoreVillage } from '../store/store.entity';
import { Household, Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';

export const ENTITIES = [
  User,
  LoginFailure,
  IdNumberConflict,
  Village,
  Household,
  Villager,
  Rule,
  Deed,
  LedgerEntry,
  Store,
  StoreVillage,
  Goods,
  StockMovement,
  Redemption,
  RedemptionItem,
  Evaluation,
];
