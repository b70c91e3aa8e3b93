import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { IsNull } from 'typeorm';
import { ORPHAN_PHOTO_MS, PhotosService } from '../src/photos/photos.service';
import { todayIn } from '../src/common/time';
import { Photo } from '../src/photos/photo.entity';
import type { Village } from '../src/villages/village.entity';
import type { Villager } from '../src/villagers/villager.entity';
import { bearer, TestApp } from './app';
import { newRule, twoVillages } from './factories';

/** Photo evidence and rules that require evidence (docs/product.md). */
let t: TestApp;
let a: Village;
let admin: string;
let cadreA: string;
let cadreB: string;
let shop: string;
let wang: Villager;
let li: Villager;
let wangToken: string;
let liToken: string;
const today = () => todayIn('Asia/Shanghai');
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));
const JPEG = fixture('photo.jpg');
const photoCount = () => t.ds.getRepository(Photo).count();

beforeAll(async () => {
  ({ t, admin, a, cadreA, cadreB } = await twoVillages());
  shop = await t.tokenFor('shopkeeper', { storeId: (await t.newStore([a.id])).id });
  wang = await t.newVillager(a.id, { name: '王五' });
  li = await t.newVillager(a.id, { name: '李四' });
  wangToken = await t.tokenFor('villager', { villageId: a.id, villagerId: wang.id });
  liToken = await t.tokenFor('villager', { villageId: a.id, villagerId: li.id });
});
afterAll(() => t.close());

const upload = (token: string, body: Buffer, filename = 'photo.jpg', field = 'file') =>
  t.http().post('/api/photos').set(bearer(token)).attach(field, body, filename);

describe('POST /api/photos', () => {
  it('401 without a token; 403 for an admin or a shopkeeper; nothing stored', async () => {
    await t.http().post('/api/photos').attach('file', JPEG, 'photo.jpg').expect(401);
    await upload(admin, JPEG).expect(403);
    await upload(shop, JPEG).expect(403);
    expect(await photoCount()).toBe(0);
  });

  it.each([
    ['a text file named .jpg', Buffer.from('这不是照片，只是文字'), 400, /not a JPEG, PNG or WebP/],
    ['a JPEG cut off halfway', JPEG.subarray(0, 600), 400, /cut off/],
    [
      'a PNG claiming 30,000 × 30,000 pixels',
      (() => {
        const png = Buffer.from(fixture('photo.png'));
        png.writeUInt32BE(30_000, 16);
        png.writeUInt32BE(30_000, 20);
        return png;
      })(),
      400,
      /30000 × 30000/,
    ],
    [
      'a body over 2 MB',
      Buffer.concat([JPEG, Buffer.alloc(2 * 1024 * 1024)]),
      413,
      /larger than 2097152 bytes/,
    ],
  ])('refuses %s and stores nothing', async (_, body, status, message) => {
    const res = await upload(cadreA, body).expect(status);
    expect(res.body.message).toMatch(/^file: /);
    expect(res.body.message).toMatch(message);
    expect(await photoCount()).toBe(0);
  });

  it('400 for a file in another field or no file at all; 415 for JSON', async () => {
    expect((await upload(cadreA, JPEG, 'photo.jpg', 'picture').expect(400)).body.message).toMatch(
      /^file: /,
    );
    await t
      .http()
      .post('/api/photos')
      .set(bearer(cadreA))
      .field('note', 'no file here')
      .expect(400);
    await t.http().post('/api/photos').set(bearer(cadreA)).send({ file: 'x' }).expect(415);
    expect(await photoCount()).toBe(0);
  });

  it('stores a JPEG, PNG or WebP judged by its bytes, whatever the name, with an audit event', async () => {
    for (const [name, type] of [
      ['photo.jpg', 'image/jpeg'],
      ['photo.png', 'image/png'],
      ['photo.webp', 'image/webp'],
    ]) {
      const res = await upload(wangToken, fixture(name), 'IMG_0001.txt').expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        contentType: type,
        width: 64,
        height: 48,
        size: expect.any(Number),
      });
      // what is served is what was stored: the photo encoded anew, in its own format
      const served = await t
        .http()
        .get(`/api/photos/${res.body.id}`)
        .set(bearer(wangToken))
        .expect(200);
      expect(served.headers['content-type']).toBe(type);
      expect((served.body as Buffer).length).toBe(res.body.size);
      expect(await sharp(served.body as Buffer).metadata()).toMatchObject({
        format: name.split('.')[1].replace('jpg', 'jpeg'),
        width: 64,
        height: 48,
      });
      const events = await t
        .http()
        .get(`/api/audit?entityType=photo&entityId=${res.body.id}`)
        .set(bearer(cadreA))
        .expect(200);
      expect(events.body.items).toMatchObject([
        { action: 'photo.upload', villageId: a.id, role: 'villager' },
      ]);
    }
  });
});

describe('what is stored is the picture alone, encoded anew', () => {
  /** A PNG with one more chunk before IEND, its CRC right, so every reader accepts it. */
  async function pngWithChunk(type: string, data: Buffer): Promise<Buffer> {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#3a7' },
    })
      .png()
      .toBuffer();
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    chunk.write(type, 4, 'latin1');
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
    const iend = png.length - 12;
    return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
  }

  const stored = async (id: number) =>
    (
      await t.ds
        .getRepository(Photo)
        .createQueryBuilder('p')
        .addSelect('p.data')
        .where('p.id = :id', { id })
        .getOneOrFail()
    ).data;

  it('HTML between PNG chunks, and megabytes of padding, are not kept', async () => {
    const html = await pngWithChunk('htMl', Buffer.from('<script>alert(document.cookie)</script>'));
    const res = await upload(wangToken, html, 'x.png').expect(201);
    expect((await stored(res.body.id)).includes('<script>')).toBe(false);
    const padded = await pngWithChunk('paDd', Buffer.alloc(1_500_000));
    const big = await upload(wangToken, padded, 'y.png').expect(201);
    expect(big.body.size).toBeLessThan(10_000);
    expect((await stored(big.body.id)).length).toBe(big.body.size);
  });

  it('a phone photo is turned upright and loses its EXIF, GPS position and all', async () => {
    const photo = await sharp({ create: { width: 40, height: 20, channels: 3, background: 'red' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'Phone' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '28/1 12/1 0/1' },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect(await sharp(photo).metadata()).toMatchObject({
      orientation: 6,
      exif: expect.any(Buffer),
    });
    const res = await upload(wangToken, photo).expect(201);
    expect(res.body).toMatchObject({ contentType: 'image/jpeg', width: 20, height: 40 });
    const meta = await sharp(await stored(res.body.id)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 20, height: 40 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
  });

  it('a file whose headers pass but whose picture does not decode is 400; nothing stored', async () => {
    const before = await photoCount();
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    // the compressed picture (IDAT) overwritten with noise: header and trailer still whole
    const broken = Buffer.from(png);
    const idat = broken.indexOf('IDAT');
    broken.fill(0x5a, idat + 4, idat + 24);
    const res = await upload(wangToken, broken, 'z.png').expect(400);
    expect(res.body.message).toMatch(/^file: the image cannot be read/);
    expect(await photoCount()).toBe(before);
  });

  it('photos never attached to a deed are deleted after a day', async () => {
    const res = await upload(wangToken, JPEG).expect(201);
    const photos = t.app.get(PhotosService);
    expect(await photos.pruneOrphans()).toBe(0);
    const later = Date.now() + ORPHAN_PHOTO_MS + 60_000;
    expect(await photos.pruneOrphans(later)).toBeGreaterThanOrEqual(1);
    expect(await t.ds.getRepository(Photo).existsBy({ id: res.body.id })).toBe(false);
    // evidence stays: every photo left is attached to a deed
    expect(await t.ds.getRepository(Photo).countBy({ deedId: IsNull() })).toBe(0);
  });
});

describe('deeds with photos, and who sees them', () => {
  let rule: { id: number };
  let photoId: number;
  let deedId: number;

  beforeAll(async () => {
    rule = await newRule(t, { points: 3 });
    photoId = (await upload(wangToken, JPEG).expect(201)).body.id;
  });

  it('before it is evidence: its uploader and the village’s cadres and admins; nobody else', async () => {
    const path = `/api/photos/${photoId}`;
    await t.http().get(path).expect(401);
    await t.http().get(path).set(bearer(shop)).expect(403);
    await t.http().get(path).set(bearer(cadreB)).expect(404);
    await t.http().get(path).set(bearer(liToken)).expect(404);
    await t.http().get('/api/photos/abc').set(bearer(admin)).expect(400);
    await t.http().get('/api/photos/999999').set(bearer(admin)).expect(404);
    for (const token of [wangToken, cadreA, admin]) {
      const res = await t.http().get(path).set(bearer(token)).expect(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      const stored = await t.ds
        .getRepository(Photo)
        .createQueryBuilder('p')
        .addSelect('p.data')
        .where('p.id = :id', { id: photoId })
        .getOneOrFail();
      expect(Buffer.compare(res.body as Buffer, stored.data)).toBe(0);
    }
  });

  it('a villager cannot attach a photo someone else uploaded; nothing is recorded', async () => {
    const deeds = await t.http().get('/api/deeds').set(bearer(cadreA)).expect(200);
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(liToken))
      .send({
        ruleId: rule.id,
        occurredOn: today(),
        description: '扶老人过河',
        photoIds: [photoId],
      })
      .expect(400);
    expect(res.body.message).toMatch(/^photoIds: /);
    const after = await t.http().get('/api/deeds').set(bearer(cadreA)).expect(200);
    expect(after.body.total).toBe(deeds.body.total);
  });

  it('a self-report carries its photos; once approved, the villager’s points show them', async () => {
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(wangToken))
      .send({
        ruleId: rule.id,
        occurredOn: today(),
        description: '扶老人过河',
        photoIds: [photoId],
      })
      .expect(201);
    deedId = res.body.id;
    expect(res.body.photoIds).toEqual([photoId]);
    await t.http().post(`/api/deeds/${deedId}/approve`).set(bearer(cadreA)).expect(200);
    const points = await t
      .http()
      .get(`/api/villagers/${wang.id}/points`)
      .set(bearer(wangToken))
      .expect(200);
    expect(points.body.entries.items[0]).toMatchObject({
      deedId,
      deed: { id: deedId, photoIds: [photoId], description: '扶老人过河' },
    });
    const trail = points.body.entries.items[0].trail as {
      action: string;
      actorId: number;
      actorName: string;
    }[];
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['deed.report', 'deed.approve']),
    );
    // who reported and who approved, by name: the villager's own, the cadre's username
    const [villagerName] = await t.ds.query(
      `SELECT name FROM villagers WHERE id = (SELECT villager_id FROM deeds WHERE id = ${deedId})`,
    );
    for (const e of trail) {
      const [user] = await t.ds.query(`SELECT username, role FROM users WHERE id = ${e.actorId}`);
      expect(e.actorName).toBe(user.role === 'villager' ? villagerName.name : user.username);
    }
  });

  it('a photo serves one deed only', async () => {
    const res = await t
      .http()
      .post('/api/deeds')
      .set(bearer(wangToken))
      .send({ ruleId: rule.id, occurredOn: today(), description: '又一次', photoIds: [photoId] })
      .expect(400);
    expect(res.body.message).toMatch(/already evidence for another deed/);
  });

  it('after: the deed’s villager, the village’s cadres and admins; not another villager', async () => {
    const path = `/api/photos/${photoId}`;
    for (const token of [wangToken, cadreA, admin])
      await t.http().get(path).set(bearer(token)).expect(200);
    await t.http().get(path).set(bearer(liToken)).expect(404);
    await t.http().get(path).set(bearer(cadreB)).expect(404);
  });

  it('photoIds are validated like every id list', async () => {
    for (const photoIds of [[], ['x'], [1, 1], [1, 2, 3, 4, 5, 6, 7], 'abc']) {
      const res = await t
        .http()
        .post('/api/deeds')
        .set(bearer(cadreA))
        .send({
          villagerId: li.id,
          ruleId: rule.id,
          occurredOn: today(),
          description: 'x',
          photoIds,
        })
        .expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/photoIds/);
    }
  });
});

describe('rules that require evidence', () => {
  it('the shipped catalogue’s deductions require evidence; its awards do not', async () => {
    const res = await t
      .http()
      .get('/api/rules?scope=district&pageSize=100')
      .set(bearer(admin))
      .expect(200);
    const rules = res.body.items as { points: number; evidenceRequired: boolean }[];
    expect(rules.some((r) => r.points < 0)).toBe(true);
    for (const r of rules) expect(r.evidenceRequired).toBe(r.points < 0);
  });

  it('a new deduction requires evidence unless told otherwise; an award does not', async () => {
    const make = (points: number, extra = {}) =>
      t
        .http()
        .post('/api/rules')
        .set(bearer(cadreA))
        .send({
          code: `EV${points}${Object.keys(extra).length}`,
          category: 'environment',
          title: '测试',
          points,
          ...extra,
        })
        .expect(201);
    expect((await make(-2)).body.evidenceRequired).toBe(true);
    expect((await make(2)).body.evidenceRequired).toBe(false);
    expect((await make(-2, { evidenceRequired: false })).body.evidenceRequired).toBe(false);
  });

  it('a deed without a photo or evidence text for such a rule is 400 and records nothing', async () => {
    const rule = await newRule(t, { points: -5, evidenceRequired: true, title: '乱扔垃圾' });
    const send = (extra: object) =>
      t
        .http()
        .post('/api/deeds')
        .set(bearer(cadreA))
        .send({
          villagerId: li.id,
          ruleId: rule.id,
          occurredOn: today(),
          description: '河边',
          ...extra,
        });
    const before = await t.http().get(`/api/villagers/${li.id}/points`).set(bearer(cadreA));
    const res = await send({}).expect(400);
    expect(res.body.message).toMatch(/^evidence: /);
    const after = await t.http().get(`/api/villagers/${li.id}/points`).set(bearer(cadreA));
    expect(after.body.entries.total).toBe(before.body.entries.total);

    expect((await send({ evidence: '村民小组长目击' }).expect(201)).body.balance).toBe(
      before.body.balance - 5,
    );
    const photo = (await upload(cadreA, fixture('photo.webp')).expect(201)).body.id;
    const withPhoto = await send({ photoIds: [photo] }).expect(201);
    expect(withPhoto.body).toMatchObject({ photoIds: [photo], evidence: null });
  });

  it('a bulk award under a rule that requires evidence is 400 and awards nothing', async () => {
    const rule = await newRule(t, { points: -1, evidenceRequired: true });
    const res = await t
      .http()
      .post('/api/deeds/bulk')
      .set(bearer(cadreA))
      .send({
        ruleId: rule.id,
        occurredOn: today(),
        description: '大扫除缺席',
        villagerIds: [li.id],
        batchKey: 'ev-1',
      })
      .expect(400);
    expect(res.body.message).toMatch(/^ruleId: /);
    const again = await t
      .http()
      .post('/api/deeds/bulk')
      .set(bearer(cadreA))
      .send({
        ruleId: rule.id,
        occurredOn: today(),
        description: '大扫除缺席',
        villagerIds: [li.id],
        batchKey: 'ev-1',
      })
      .expect(400);
    expect(again.body.message).toMatch(/^ruleId: /);
  });
});
