import { api, type Schemas } from './api/client';
import { call } from './api/errors';

type Village = Schemas['Village'];

/** The board online's settings in words (docs/product.md, "The board online"). */
export const BOARD_NAMES: Record<Village['boardNames'], string> = {
  masked: '隐去中间的字',
  full: '全名',
};
export const BOARD_BLACK_LIST: Record<Village['boardBlackList'], string> = {
  count: '不写姓名',
  names: '写姓名',
};

/**
 * A new link for the village's own TV: the board with its display key, which shows full names.
 * The key is answered once; the village's older link stops showing them.
 */
export async function newScreenLink(village: Pick<Village, 'id' | 'code'>): Promise<string> {
  const { key } = await call(
    api.POST('/api/villages/{villageId}/display-key', {
      params: { path: { villageId: village.id } },
    }),
  );
  return `${location.origin}/board/${encodeURIComponent(village.code)}?view=tv&key=${encodeURIComponent(key)}`;
}
