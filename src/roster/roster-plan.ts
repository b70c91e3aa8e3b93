import { maskIdNumber } from '../villagers/id-number';
import type { Relation, Villager, VillagerStatus } from '../villagers/villager.entity';
import type { Household } from '../villages/village.entity';
import { HEADER_OF, type CheckedRow, type RowError } from './roster-sheet';

/** What the database holds that an import is matched against. */
export interface RosterOnRecord {
  households: Household[];
  /** The village's villagers. */
  villagers: Villager[];
  /** ID numbers of the file registered in another village (their owners are never named). */
  elsewhere: Set<string>;
}

export interface HouseholdChange {
  householdNo: string;
  /** null: a new household. */
  existing: Household | null;
  headName: string;
  group: string;
}

export interface VillagerChange {
  row: number;
  /** null: a new villager. */
  existing: Villager | null;
  householdNo: string | null;
  name: string;
  idNumber: string | null;
  phone: string | null;
  status: VillagerStatus | undefined;
  birthDate: string | null;
  relation: Relation | null;
}

export interface RosterPlan {
  households: HouseholdChange[];
  villagers: VillagerChange[];
  unchanged: number;
  /** Rows whose ID number belongs to another village's villager. */
  conflictsElsewhere: number;
  errors: RowError[];
}

const key = (householdId: number | null, name: string) => `${householdId ?? ''}\u0000${name}`;

/**
 * Matches checked rows against the village's roster and decides, row by row, what the import
 * would do. Pure: the service loads `onRecord` and applies the plan in one transaction.
 *
 * A row is the villager with its ID number; without one, the villager of the same household and
 * name (or of no household and the same name). Blank cells never clear what is on record; a
 * blank 状态 means 在册 when the file has that column.
 */
export function planImport(
  rows: CheckedRow[],
  onRecord: RosterOnRecord,
  rowErrors: RowError[] = [],
): RosterPlan {
  const errors: RowError[] = [...rowErrors];
  const bad = new Set(rowErrors.map((e) => e.row));
  const fail = (row: number, field: keyof typeof HEADER_OF | null, message: string) => {
    bad.add(row);
    errors.push({ row, column: field && HEADER_OF[field], message });
  };

  // households: one head and one group per household number in the file
  const householdsOnRecord = new Map(onRecord.households.map((h) => [h.householdNo, h]));
  const fileHouseholds = new Map<
    string,
    {
      firstRow: number;
      head: { value: string; row: number } | null;
      group: { value: string; row: number } | null;
    }
  >();
  for (const r of rows) {
    if (r.householdNo === null) continue;
    const h = fileHouseholds.get(r.householdNo) ?? { firstRow: r.row, head: null, group: null };
    fileHouseholds.set(r.householdNo, h);
    if (r.headName !== null) {
      if (!h.head) h.head = { value: r.headName, row: r.row };
      else if (h.head.value !== r.headName) {
        fail(
          r.row,
          'headName',
          `户号 ${r.householdNo} 的户主与第 ${h.head.row} 行不一致（${h.head.value}）`,
        );
      }
    }
    if (r.group !== null) {
      if (!h.group) h.group = { value: r.group, row: r.row };
      else if (h.group.value !== r.group) {
        fail(
          r.row,
          'group',
          `户号 ${r.householdNo} 的村民小组与第 ${h.group.row} 行不一致（${h.group.value}）`,
        );
      }
    }
  }
  const households: HouseholdChange[] = [];
  for (const [householdNo, h] of fileHouseholds) {
    const existing = householdsOnRecord.get(householdNo) ?? null;
    if (!existing && !h.head) {
      fail(h.firstRow, 'headName', `户号 ${householdNo} 是新户，请填写户主`);
      continue;
    }
    const headName = h.head?.value ?? existing!.headName;
    const group = h.group?.value ?? existing?.group ?? '';
    if (!existing || existing.headName !== headName || existing.group !== group) {
      households.push({ householdNo, existing, headName, group });
    }
  }

  // villagers on record, by ID number and by household and name
  const byId = new Map<string, Villager>();
  const byHouseholdName = new Map<string, Villager[]>();
  for (const v of onRecord.villagers) {
    if (v.idNumber) byId.set(v.idNumber, v);
    const k = key(v.householdId, v.name);
    byHouseholdName.set(k, [...(byHouseholdName.get(k) ?? []), v]);
  }

  const villagers: VillagerChange[] = [];
  let unchanged = 0;
  let conflictsElsewhere = 0;
  const rowOfId = new Map<string, number>();
  const rowOfVillager = new Map<number, number>();
  const rowOfNew = new Map<string, number>();
  for (const r of rows) {
    if (bad.has(r.row)) continue;
    const household = r.householdNo === null ? null : householdsOnRecord.get(r.householdNo);
    const householdId = household?.id ?? null;
    // a birth date on the row tells same-name members apart (one on record without it may match)
    const sameName = (): Villager[] =>
      r.householdNo !== null && !household
        ? []
        : (byHouseholdName.get(key(householdId, r.name)) ?? []).filter(
            (v) => r.birthDate === null || v.birthDate === null || v.birthDate === r.birthDate,
          );

    let existing: Villager | null = null;
    if (r.idNumber !== null) {
      const earlier = rowOfId.get(r.idNumber);
      if (earlier !== undefined) {
        fail(r.row, 'idNumber', `与第 ${earlier} 行的身份证号重复`);
        continue;
      }
      rowOfId.set(r.idNumber, r.row);
      if (onRecord.elsewhere.has(r.idNumber)) {
        conflictsElsewhere++;
        fail(
          r.row,
          'idNumber',
          '这个身份证号已在别的村登记，不能重复登记；如已迁入本村，请联系管理员',
        );
        continue;
      }
      existing = byId.get(r.idNumber) ?? null;
      if (!existing) {
        const candidates = sameName();
        if (candidates.some((v) => v.idNumber === null)) {
          fail(
            r.row,
            'idNumber',
            '本户已登记了同名村民，但没有身份证号：已登记村民的身份证号只能由管理员补登或修改',
          );
          continue;
        }
      }
    } else if (r.maskedId !== null) {
      const candidates = sameName().filter((v) => maskIdNumber(v.idNumber) === r.maskedId);
      if (candidates.length !== 1) {
        fail(
          r.row,
          'idNumber',
          '身份证号是打码的（从系统导出的表格），找不到对应的已登记村民：新村民请填写完整的身份证号',
        );
        continue;
      }
      existing = candidates[0];
    } else {
      const candidates = sameName();
      if (candidates.length > 1) {
        fail(
          r.row,
          'name',
          `已登记了 ${candidates.length} 位同名村民${r.householdNo ? '（同一户）' : ''}，请填写身份证号或出生日期区分`,
        );
        continue;
      }
      existing = candidates[0] ?? null;
    }

    if (existing) {
      const earlier = rowOfVillager.get(existing.id);
      if (earlier !== undefined) {
        fail(r.row, null, `与第 ${earlier} 行是同一位村民`);
        continue;
      }
      rowOfVillager.set(existing.id, r.row);
    } else {
      const k = `${r.householdNo ?? ''}\u0000${r.name}\u0000${r.idNumber ?? ''}\u0000${r.birthDate ?? ''}`;
      const earlier = rowOfNew.get(k);
      if (earlier !== undefined) {
        fail(r.row, 'name', `与第 ${earlier} 行重复（同一户号、同一姓名）`);
        continue;
      }
      rowOfNew.set(k, r.row);
    }

    const change: VillagerChange = {
      row: r.row,
      existing,
      householdNo: r.householdNo,
      name: r.name,
      idNumber: r.idNumber,
      phone: r.phone,
      status: r.status,
      birthDate: r.birthDate,
      relation: r.relation,
    };
    if (existing && !changes(existing, change, household?.id).length) unchanged++;
    else villagers.push(change);
  }
  errors.sort((a, b) => a.row - b.row); // stable: a row's problems keep their column order
  return { households, villagers, unchanged, conflictsElsewhere, errors };
}

/**
 * The fields of an existing villager a row changes. `householdId` undefined: the household is
 * new (so it changes); null: the row names no household (kept as is).
 */
export function changes(
  v: Villager,
  c: VillagerChange,
  householdId: number | undefined,
): ('name' | 'householdId' | 'phone' | 'status' | 'birthDate' | 'relation')[] {
  const changed: ('name' | 'householdId' | 'phone' | 'status' | 'birthDate' | 'relation')[] = [];
  if (c.name !== v.name) changed.push('name');
  if (c.householdNo !== null && householdId !== v.householdId) changed.push('householdId');
  if (c.phone !== null && c.phone !== v.phone) changed.push('phone');
  if (c.status !== undefined && c.status !== v.status) changed.push('status');
  if (c.birthDate !== null && c.birthDate !== v.birthDate) changed.push('birthDate');
  if (c.relation !== null && c.relation !== v.relation) changed.push('relation');
  return changed;
}
