import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { BadRequestException } from '@nestjs/common';
import { Repository } from 'typeorm';
import { notFound, refuse } from '../common/errors';
import { pageOf, skipTake, type Page } from '../common/pagination';
import { defined } from '../common/scope';
import { Tx } from '../db/transaction';
import { Store } from '../store/store.entity';
import { Village } from '../villages/village.entity';
import { Villager } from '../villagers/villager.entity';
import type { UserCreateDto, UserListQueryDto, UserResponseDto } from './auth.dto';
import { hashPassword } from './auth.service';
import { User, type Role } from './user.entity';

/** Which scope fields each role may carry. */
const SCOPE_FIELDS: Record<Role, string[]> = {
  admin: [],
  cadre: ['villageId'],
  shopkeeper: ['storeId'],
  villager: ['villagerId', 'villageId'],
};

export function toUserResponse(u: User): UserResponseDto {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    villageId: u.villageId,
    storeId: u.storeId,
    villagerId: u.villagerId,
    createdAt: u.createdAt,
  };
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tx: Tx,
  ) {}

  async me(id: number): Promise<UserResponseDto> {
    const user = await this.users.findOne({ where: { id } });
    if (!user) throw notFound('User');
    return toUserResponse(user);
  }

  async list(q: UserListQueryDto): Promise<Page<UserResponseDto>> {
    const [rows, total] = await this.users.findAndCount({
      where: defined({ role: q.role, villageId: q.villageId }),
      order: { id: 'ASC' },
      ...skipTake(q),
    });
    return pageOf(rows.map(toUserResponse), total, q);
  }

  async create(dto: UserCreateDto): Promise<UserResponseDto> {
    const passwordHash = await hashPassword(dto.password);
    const user = await this.tx.run(async (em) => {
      const scope = {
        villageId: null as number | null,
        storeId: null as number | null,
        villagerId: null as number | null,
      };
      const need = (field: keyof typeof scope) => {
        if (!dto[field]) throw new BadRequestException(`${field} is required for role ${dto.role}`);
        return dto[field]!;
      };
      const extra = (['villageId', 'storeId', 'villagerId'] as const).filter(
        (f) => dto[f] !== undefined,
      );
      const allowed: string[] = SCOPE_FIELDS[dto.role];
      const stray = extra.find((f) => !allowed.includes(f));
      if (stray) throw new BadRequestException(`${stray} does not apply to role ${dto.role}`);

      if (dto.role === 'cadre') {
        scope.villageId = need('villageId');
        if (!(await em.existsBy(Village, { id: scope.villageId }))) throw notFound('Village');
      } else if (dto.role === 'shopkeeper') {
        scope.storeId = need('storeId');
        if (!(await em.existsBy(Store, { id: scope.storeId }))) throw notFound('Store');
      } else if (dto.role === 'villager') {
        scope.villagerId = need('villagerId');
        const villager = await em.findOneBy(Villager, { id: scope.villagerId });
        if (!villager) throw notFound('Villager');
        if (dto.villageId !== undefined && dto.villageId !== villager.villageId) {
          throw new BadRequestException("villageId does not match the villager's village");
        }
        scope.villageId = villager.villageId;
      }
      if (await em.existsBy(User, { username: dto.username })) {
        throw refuse('USERNAME_TAKEN', `Username "${dto.username}" is already taken`);
      }
      return em.save(
        em.create(User, { username: dto.username, passwordHash, role: dto.role, ...scope }),
      );
    });
    return toUserResponse(user);
  }
}
