import {
  applyDecorators,
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  PipeTransform,
} from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, Max, Min } from 'class-validator';

/** Ids are 32-bit on both databases; a larger number would reach PostgreSQL as an error. */
export const MAX_ID = 2147483647;

/** A JSON body field holding a record id (a number, not a string). */
export const IsId = () => applyDecorators(IsInt(), Min(1), Max(MAX_ID));

/** A JSON body field holding a non-empty list of distinct record ids. */
export const IsIdList = (maxSize = 200) =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(maxSize),
    ArrayUnique(),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(MAX_ID, { each: true }),
  );

/**
 * A query-string number: plain decimal digits only. `Number()` would also read `0x1`, `1e0` and
 * `+1` as 1; those stay text here and fail the field's IsInt with a 400 naming it.
 */
export const QueryInt = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
  );

/** A query-string field holding a record id. */
export const IsIdQuery = () => applyDecorators(QueryInt(), IsInt(), Min(1), Max(MAX_ID));

/**
 * A query-string list of record ids, `ids=1,2,3` (or `ids=1&ids=2`): plain decimal digits, at
 * most `maxSize`, each a valid id; else 400 naming the field.
 */
export const IsIdListQuery = (maxSize = 100) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      ([] as unknown[])
        .concat(value)
        .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
        .map((p) => (typeof p === 'string' && /^\d{1,10}$/.test(p) ? Number(p) : p)),
    ),
    IsIdList(maxSize),
  );

/**
 * A path parameter holding a record id: plain decimal digits, else 400 naming the parameter. The
 * global validation pipe leaves path parameters as the text they came as (src/common/validation.ts).
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    const n = Number(value);
    if (!/^\d{1,10}$/.test(value) || n < 1 || n > MAX_ID) {
      throw new BadRequestException(`${meta.data ?? 'id'} must be a positive integer`);
    }
    return n;
  }
}
