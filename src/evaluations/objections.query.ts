import type { EntityManager } from 'typeorm';
import { publicationStatus, type PublicationStatus } from './publicity';
import { Evaluation } from './evaluation.entity';
import { Objection } from './objection.entity';

/** The month's latest revision (draft or published), or null before the first compute. */
export function latestRevision(
  em: EntityManager,
  villageId: number,
  month: string,
): Promise<Evaluation | null> {
  return em.findOne(Evaluation, { where: { villageId, month }, order: { revision: 'DESC' } });
}

/** An upheld objection against this revision reopens the month for a corrected revision. */
export function hasUpheld(em: EntityManager, evaluationId: number): Promise<boolean> {
  return em.existsBy(Objection, { evaluationId, status: 'upheld' });
}

/**
 * Whether objections keep a published revision in publicity: one still open, or — on the latest
 * revision — one upheld and waiting for the corrected revision to be published.
 */
export async function pendingObjections(
  em: EntityManager,
  e: Evaluation,
  latestRevisionNo: number,
): Promise<boolean> {
  if (e.status !== 'published') return false;
  if (await em.existsBy(Objection, { evaluationId: e.id, status: 'open' })) return true;
  return e.revision === latestRevisionNo && (await hasUpheld(em, e.id));
}

/** Where a revision stands now (decided on read), and the month's latest revision number. */
export async function statusNow(
  em: EntityManager,
  e: Evaluation,
  timeZone: string,
): Promise<{ status: PublicationStatus; latestRevision: number }> {
  const latest = (await latestRevision(em, e.villageId, e.month))?.revision ?? e.revision;
  const pending = await pendingObjections(em, e, latest);
  return { status: publicationStatus(e, pending, timeZone), latestRevision: latest };
}

/** How many objections the month has had, and how many are resolved (for the board). */
export async function objectionCounts(
  em: EntityManager,
  villageId: number,
  month: string,
): Promise<{ filed: number; resolved: number }> {
  const rows: { status: string; n: string | number }[] = await em
    .createQueryBuilder(Objection, 'o')
    .select('o.status', 'status')
    .addSelect('COUNT(*)', 'n')
    .where('o.villageId = :villageId AND o.month = :month', { villageId, month })
    .groupBy('o.status')
    .getRawMany();
  const filed = rows.reduce((sum, r) => sum + Number(r.n), 0);
  const open = Number(rows.find((r) => r.status === 'open')?.n ?? 0);
  return { filed, resolved: filed - open };
}
