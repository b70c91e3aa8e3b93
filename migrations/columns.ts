import type { TableColumnOptions } from 'typeorm';

/** The generated integer primary key every table of ours starts with. */
export const ID_COLUMN: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};
