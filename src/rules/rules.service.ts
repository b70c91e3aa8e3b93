import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { forbidden, notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { assertVillageAccess, villagesToList } from '../common/scope';
import { ctxOf, type Ctx } from '../common/request-context';
import { Tx } from '../db/transaction';
import { Village } from '../villages/village.entity';
import { Rule } from './rule.entity';
import type { RuleCreateDto, RuleListQueryDto, RuleUpdateDto } from './rules.dto';

@Injectable()
export class RulesService {
  constructor(
    @InjectRepository(Rule) private readonly rules: Repository<Rule>,
    private readonly tx: Tx,
    private readonly audit: AuditService,
  ) {}

  /** District rules plus, for a user bound to a village, that village's own rules. */
  async list(caller: Caller, q: RuleListQueryDto): Promise<Page<Rule>> {
    const villages = villagesToList(caller, q.villageId);
    const qb = this.rules
      .createQueryBuilder('r')
      .orderBy('r.category', 'ASC')
      .addOrderBy('r.code', 'ASC');
    // every village's own rules only when a list is asked for every village
    const ids = villages === 'all' ? [-1] : [...villages, -1];
    if (q.scope === 'district') qb.andWhere('r.villageId IS NULL');
    else if (q.scope === 'village') qb.andWhere('r.villageId IN (:...ids)', { ids });
    else if (villages !== 'all') {
      qb.andWhere('(r.villageId IS NULL OR r.villageId IN (:...ids))', { ids });
    }
    if (q.category) qb.andWhere('r.category = :category', { category: q.category });
    if (q.active !== undefined) qb.andWhere('r.active = :active', { active: q.active });
    const [items, total] = await qb.skip(skipTake(q).skip).take(q.pageSize).getManyAndCount();
    return pageOf(items, total, q);
  }

  create(caller: Caller, dto: RuleCreateDto): Promise<Rule> {
    return this.tx.run((em) => this.createIn(ctxOf(em, caller), dto));
  }

  async createIn(ctx: Ctx, dto: RuleCreateDto): Promise<Rule> {
    const { em, caller } = ctx;
    let villageId: number | null = dto.villageId ?? null;
    if (caller.role === 'cadre') {
      if (dto.villageId !== undefined) assertVillageAccess(caller, dto.villageId);
      villageId = caller.villageId;
    }
    if (villageId !== null && !(await em.existsBy(Village, { id: villageId }))) {
      throw new BadRequestException('villageId: no such village');
    }
    if (await em.existsBy(Rule, { code: dto.code })) {
      throw refuse('RULE_CODE_TAKEN', `Rule code "${dto.code}" already exists`);
    }
    const rule = await em.save(
      em.create(Rule, {
        ...dto,
        maxPerMonth: dto.maxPerMonth ?? null,
        evidenceRequired: dto.evidenceRequired ?? dto.points < 0,
        villageId,
        active: true,
      }),
    );
    await this.audit.created(ctx, 'rule', rule.id, villageId, rule);
    return rule;
  }

  /** Edits apply from now on: deeds copied the title and points they were awarded under. */
  update(caller: Caller, id: number, dto: RuleUpdateDto): Promise<Rule> {
    return this.tx.run((em) => this.updateIn(ctxOf(em, caller), id, dto));
  }

  async updateIn(ctx: Ctx, id: number, dto: RuleUpdateDto): Promise<Rule> {
    const { em, caller } = ctx;
    const rule = await em.findOneBy(Rule, { id });
    if (!rule) throw notFound('Rule');
    if (caller.role === 'cadre') {
      if (rule.villageId === null)
        throw forbidden('Only the district may edit the district catalogue');
      if (rule.villageId !== caller.villageId) throw notFound('Rule');
    }
    const before = { ...rule };
    const saved = await em.save(Object.assign(rule, dto));
    await this.audit.updated(ctx, 'rule', id, rule.villageId, before, saved);
    return saved;
  }
}
