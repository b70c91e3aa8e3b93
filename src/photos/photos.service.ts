import {
  BadRequestException,
  Injectable,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { In, IsNull, LessThan, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/auth.decorators';
import { notFound } from '../common/errors';
import { repeat } from '../common/housekeeping';
import { ctxOf, type Ctx } from '../common/request-context';
import type { Upload } from '../common/upload';
import { mayAccessVillage } from '../common/scope';
import { RateLimiter } from '../db/rate-limit';
import { Tx } from '../db/transaction';
import { Deed } from '../deeds/deed.entity';
import { Villager } from '../villagers/villager.entity';
import { inspectImage, NotAnImage, reencodeImage } from './image';
import { Photo } from './photo.entity';

/** Largest photo accepted, after the browser has downscaled it (docs/product.md). */
export const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
/** Photos per user and day: evidence for a day's deeds, not a photo library. */
const PHOTOS_PER_DAY = 200;
/** Photos one deed may carry. */
export const MAX_PHOTOS_PER_DEED = 6;
/** A photo never attached to a deed is deleted after a day: an upload is not storage. */
export const ORPHAN_PHOTO_MS = 24 * 3600_000;

/** Runs a check of the bytes; its NotAnImage becomes a 400 naming `file`. */
async function asPhoto<T>(check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof NotAnImage) throw new BadRequestException(`file: ${err.message}`);
    throw err;
  }
}

export interface PhotoCreated {
  id: number;
  contentType: string;
  width: number;
  height: number;
  size: number;
}

/**
 * Photo evidence (docs/product.md). A cadre or villager uploads a photo, then records a deed with its
 * id; from then on the photo is shown to whoever may see that deed. Before that only its
 * uploader (and the village's cadres) may see it.
 */
@Injectable()
export class PhotosService implements OnModuleInit, OnModuleDestroy {
  private stopPruning?: () => void;

  constructor(
    private readonly tx: Tx,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.stopPruning = repeat('deleting orphan photos', 3600_000, () => this.pruneOrphans());
  }

  onModuleDestroy(): void {
    this.stopPruning?.();
  }

  /** Deletes the photos uploaded more than a day ago and never attached to a deed. */
  async pruneOrphans(now = Date.now()): Promise<number> {
    const { affected } = await this.tx.run((em) =>
      em.delete(Photo, { deedId: IsNull(), createdAt: LessThan(new Date(now - ORPHAN_PHOTO_MS)) }),
    );
    return affected ?? 0;
  }

  /**
   * Checks the bytes (type, whole, pixel size) from their headers, then stores the photo encoded
   * anew (upright, without metadata): what is stored is a picture and nothing else.
   */
  async upload(caller: Caller, file: Upload): Promise<PhotoCreated> {
    const { type } = await asPhoto(() => inspectImage(file.buffer));
    // counted before the costly part: a flood is refused before it is decoded
    await this.limiter.hit(
      `photos:${caller.id}`,
      PHOTOS_PER_DAY,
      86_400,
      'Too many photos uploaded today; try again tomorrow',
    );
    const { data, info } = await asPhoto(() => reencodeImage(file.buffer, type));
    return this.tx.run(async (em) => {
      const ctx = ctxOf(em, caller);
      const villageId = await this.villageOf(ctx);
      const photo = em.create(Photo, {
        villageId,
        uploadedBy: caller.id,
        deedId: null,
        contentType: info.type,
        width: info.width,
        height: info.height,
        size: data.length,
        data,
        createdAt: new Date(),
      });
      const { identifiers } = await em.insert(Photo, photo);
      const id = Number(identifiers[0].id);
      const created = {
        id,
        contentType: info.type,
        width: info.width,
        height: info.height,
        size: photo.size,
      };
      await this.audit.record(ctx, {
        action: 'photo.upload',
        entityType: 'photo',
        entityId: id,
        villageId,
        after: created,
      });
      return created;
    });
  }

  /**
   * The photo's bytes, for those who may see its deed: admins, the village's cadres, the deed's
   * villager; before it is attached, its uploader and the village's cadres. Anyone else: 404.
   */
  get(caller: Caller, id: number): Promise<Photo> {
    return this.tx.read(async (em) => {
      const photo = await em
        .createQueryBuilder(Photo, 'p')
        .addSelect('p.data')
        .where('p.id = :id', { id })
        .getOne();
      if (!photo || !(await this.maySee(em, caller, photo))) {
        throw notFound('Photo');
      }
      return photo;
    });
  }

  /**
   * Attaches the caller's own unattached photos of the deed's village to the deed, in the
   * caller's transaction; one conditional UPDATE, so a photo can never serve two deeds.
   */
  async attachIn(
    ctx: Ctx,
    deed: Pick<Deed, 'id' | 'villageId'>,
    photoIds: number[],
  ): Promise<void> {
    if (!photoIds.length) return;
    const { affected } = await ctx.em.update(
      Photo,
      { id: In(photoIds), uploadedBy: ctx.caller.id, villageId: deed.villageId, deedId: IsNull() },
      { deedId: deed.id },
    );
    if (affected !== photoIds.length) {
      throw new BadRequestException(
        'photoIds: a photo is not one you uploaded for this village, or is already evidence for another deed',
      );
    }
  }

  private async maySee(em: EntityManager, caller: Caller, photo: Photo): Promise<boolean> {
    switch (caller.role) {
      case 'admin':
      case 'auditor':
        return true;
      case 'cadre':
      case 'town':
        return mayAccessVillage(caller, photo.villageId);
      case 'villager':
        if (photo.deedId === null) return photo.uploadedBy === caller.id;
        return em.existsBy(Deed, { id: photo.deedId, villagerId: caller.villagerId ?? -1 });
      default:
        return false;
    }
  }

  /** The village the photo belongs to: the cadre's, or the villager's own. */
  private async villageOf(ctx: Ctx): Promise<number> {
    const { caller, em } = ctx;
    if (caller.role === 'cadre' && caller.villageId !== null) return caller.villageId;
    const villager = await em.findOneBy(Villager, { id: caller.villagerId ?? -1 });
    if (!villager) throw notFound('Villager');
    return villager.villageId;
  }
}
