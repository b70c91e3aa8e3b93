import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  StreamableFile,
  UnprocessableEntityException,
} from '@nestjs/common';
import { In, Not, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { IdNumberConflict } from '../auth/user.entity';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { ROSTER_INVALID } from '../common/refusals';
import { ctxOf, type Ctx } from '../common/request-context';
import { assertVillageAccess } from '../common/scope';
import { todayIn } from '../common/time';
import { APP_CONFIG, type AppConfig } from '../config';
import { Tx } from '../db/transaction';
import { Villager } from '../villagers/villager.entity';
import { MAX_ID_NUMBER_CONFLICTS_PER_DAY, VillagersService } from '../villagers/villagers.service';
import { Household, Village } from '../villages/village.entity';
import { VillagesService } from '../villages/villages.service';
import { planImport, type RosterPlan } from './roster-plan';
import {
  checkRow,
  errorWorkbook,
  readRosterSheet,
  RosterFileError,
  rosterTemplate,
  type RosterSheet,
  type RowError,
} from './roster-sheet';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface RosterImportReport {
  created: number;
  updated: number;
  unchanged: number;
  errors: RowError[];
}

/** ASCII fallback plus the Chinese name (RFC 6266 / 5987) for Content-Disposition. */
export function attachmentName(ascii: string, chinese: string): string {
  const utf8 = encodeURIComponent(chinese).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${utf8}`;
}

const tooManyConflicts = () =>
  new HttpException(
    {
      statusCode: 429,
      error: 'Too Many Requests',
      message:
        '今天核对过太多已在别处登记的身份证号，请明天再试 (too many ID numbers already registered were tried today)',
    },
    HttpStatus.TOO_MANY_REQUESTS,
  );

/**
 * 花名册导入 (docs/product.md): a dry run reports every problem by row and column; the import applies
 * every row in one transaction through the villagers' and villages' own inner operations (their
 * checks, their audit events), or, if any row has a problem, nothing.
 */
@Injectable()
export class RosterService {
  constructor(
    private readonly tx: Tx,
    private readonly villagers: VillagersService,
    private readonly villages: VillagesService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async template(caller: Caller, villageId: number): Promise<StreamableFile> {
    await this.assertVillage(caller, villageId);
    return new StreamableFile(await rosterTemplate(), {
      type: XLSX_TYPE,
      disposition: attachmentName('roster-template.xlsx', '花名册模板.xlsx'),
    });
  }

  async import(
    caller: Caller,
    villageId: number,
    file: Buffer,
    opts: { dryRun: boolean; format: 'json' | 'xlsx' },
  ): Promise<RosterImportReport | StreamableFile> {
    await this.assertVillage(caller, villageId);
    let sheet: RosterSheet;
    try {
      sheet = await readRosterSheet(file);
    } catch (err) {
      if (err instanceof RosterFileError) throw new BadRequestException(`file: ${err.message}`);
      throw err;
    }
    const rowErrors: RowError[] = [];
    const rows = sheet.rows.map((r) => checkRow(r, sheet.present, rowErrors));
    const ids = rows.map((r) => r.idNumber).filter((id): id is string => id !== null);
    const day = todayIn(this.config.timeZone);
    const answered = ids.length ? await this.conflictsAnswered(caller, day) : 0;
    if (answered >= MAX_ID_NUMBER_CONFLICTS_PER_DAY) throw tooManyConflicts();

    const work = async (em: EntityManager) => {
      const onRecord = {
        households: await em.findBy(Household, { villageId }),
        villagers: await em.findBy(Villager, { villageId }),
        elsewhere: await this.registeredElsewhere(em, villageId, ids),
      };
      const plan = planImport(rows, onRecord, rowErrors);
      if (!opts.dryRun && plan.errors.length === 0) {
        await this.apply(ctxOf(em, caller), villageId, plan, sheet.rows.length);
      }
      return plan;
    };
    const plan = opts.dryRun ? await this.tx.read(work) : await this.tx.run(work);

    if (plan.conflictsElsewhere > 0) {
      // each one tells that an ID number exists: counted like ID_NUMBER_TAKEN
      const counted = Math.min(plan.conflictsElsewhere, MAX_ID_NUMBER_CONFLICTS_PER_DAY - answered);
      await this.tx.run((em) =>
        em.insert(
          IdNumberConflict,
          Array.from({ length: counted }, () => ({ userId: caller.id, day, at: new Date() })),
        ),
      );
      if (answered + plan.conflictsElsewhere > MAX_ID_NUMBER_CONFLICTS_PER_DAY) {
        throw tooManyConflicts();
      }
    }
    const report: RosterImportReport = {
      created: plan.villagers.filter((v) => !v.existing).length,
      updated: plan.villagers.filter((v) => v.existing).length,
      unchanged: plan.unchanged,
      errors: plan.errors,
    };
    if (!opts.dryRun && plan.errors.length > 0) {
      throw new UnprocessableEntityException({
        statusCode: 422,
        error: 'Unprocessable Entity',
        code: ROSTER_INVALID,
        message: `表格有 ${plan.errors.length} 处问题，没有导入任何村民：请按错误说明改好后重新上传`,
        ...report,
      });
    }
    if (opts.format === 'xlsx') {
      return new StreamableFile(await errorWorkbook(sheet, plan.errors), {
        type: XLSX_TYPE,
        disposition: attachmentName('roster-errors.xlsx', '花名册错误说明.xlsx'),
      });
    }
    return report;
  }

  /** Writes the plan: households first, then villagers in row order, then the import's event. */
  private async apply(ctx: Ctx, villageId: number, plan: RosterPlan, rows: number) {
    const { em } = ctx;
    const householdIds = new Map<string, number>();
    for (const h of plan.households) {
      if (h.existing) {
        // through the households' owner: its checks and its audit event
        await this.villages.updateHouseholdIn(ctx, villageId, h.existing.id, {
          headName: h.headName,
          group: h.group,
        });
        householdIds.set(h.householdNo, h.existing.id);
      } else {
        const created = await this.villages.createHouseholdIn(ctx, villageId, {
          householdNo: h.householdNo,
          headName: h.headName,
          group: h.group,
        });
        householdIds.set(h.householdNo, created.id);
      }
    }
    const householdOf = async (no: string | null) => {
      if (no === null) return undefined;
      const known = householdIds.get(no);
      if (known !== undefined) return known;
      const h = await em.findOneByOrFail(Household, { villageId, householdNo: no });
      householdIds.set(no, h.id);
      return h.id;
    };
    for (const v of plan.villagers) {
      const householdId = await householdOf(v.householdNo);
      if (v.existing) {
        await this.villagers.updateIn(ctx, v.existing.id, {
          name: v.name,
          ...(householdId !== undefined && { householdId }),
          ...(v.phone !== null && { phone: v.phone }),
          ...(v.status !== undefined && { status: v.status }),
          ...(v.birthDate !== null && { birthDate: v.birthDate }),
          ...(v.relation !== null && { relation: v.relation }),
        });
      } else {
        const created = await this.villagers.createIn(ctx, {
          villageId,
          householdId,
          name: v.name,
          ...(v.idNumber !== null && { idNumber: v.idNumber }),
          ...(v.phone !== null && { phone: v.phone }),
          ...(v.birthDate !== null && { birthDate: v.birthDate }),
          ...(v.relation !== null && { relation: v.relation }),
        });
        if (v.status !== undefined && v.status !== 'active') {
          await this.villagers.updateIn(ctx, created.id, { status: v.status });
        }
      }
    }
    const created = plan.villagers.filter((v) => !v.existing).length;
    await this.audit.record(ctx, {
      action: 'roster.import',
      entityType: 'village',
      entityId: villageId,
      villageId,
      after: {
        rows,
        created,
        updated: plan.villagers.length - created,
        unchanged: plan.unchanged,
        householdsCreated: plan.households.filter((h) => !h.existing).length,
        householdsUpdated: plan.households.filter((h) => h.existing).length,
      },
    });
  }

  /** ID numbers of the file that belong to villagers of another village. */
  private async registeredElsewhere(
    em: EntityManager,
    villageId: number,
    ids: string[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await em.find(Villager, {
        select: { idNumber: true },
        where: { idNumber: In(ids.slice(i, i + 500)), villageId: Not(villageId) },
      });
      for (const r of rows) found.add(r.idNumber!);
    }
    return found;
  }

  private conflictsAnswered(caller: Caller, day: string): Promise<number> {
    return this.tx.read((em) => em.countBy(IdNumberConflict, { userId: caller.id, day }));
  }

  private async assertVillage(caller: Caller, villageId: number) {
    assertVillageAccess(caller, villageId);
    const exists = await this.tx.read((em) => em.existsBy(Village, { id: villageId }));
    if (!exists) throw notFound('Village');
  }
}
