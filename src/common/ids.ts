import {
  applyDecorators,
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  PipeTransform,
} from '@nestjs/common';
import { Type } from 'class-transformer';
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

/** A query-string field holding a record id. */
export const IsIdQuery = () =>
  applyDecorators(
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_ID),
  );

/** A path parameter holding a record id: 400 naming the parameter when it is not one. */
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
