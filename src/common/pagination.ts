import { ApiPropertyOptional } from '@nestjs/swagger';
import { QueryInt } from './ids';
import { IsInt, IsOptional, Max, Min, ValidateBy } from 'class-validator';

/**
 * The deepest row a page may reach (page x pageSize): an offset query reads every row it skips,
 * so an unbounded page would let one request scan millions of rows. Narrow the list by its
 * filters instead.
 */
export const MAX_PAGE_DEPTH = 10_000;

const WithinPageDepth = () =>
  ValidateBy({
    name: 'withinPageDepth',
    validator: {
      validate: (_: unknown, args) => {
        const q = args?.object as { page?: unknown; pageSize?: unknown };
        return (
          typeof q.page !== 'number' ||
          typeof q.pageSize !== 'number' ||
          q.page * q.pageSize <= MAX_PAGE_DEPTH
        );
      },
      defaultMessage: () =>
        `page x pageSize must not exceed ${MAX_PAGE_DEPTH}; narrow the list with its filters`,
    },
  });

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(100000)
  @WithinPageDepth()
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 20 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize: number = 20;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function pageOf<T>(items: T[], total: number, q: PageQueryDto): Page<T> {
  return { items, total, page: q.page, pageSize: q.pageSize };
}

export function skipTake(q: PageQueryDto): { skip: number; take: number } {
  return { skip: (q.page - 1) * q.pageSize, take: q.pageSize };
}
