import { Controller, Get, Header, Param, Post, Req, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import { readUpload } from '../common/upload';
import { MAX_PHOTO_BYTES, PhotosService } from './photos.service';
import { Endpoint } from '../common/api-docs';

@ApiTags('photos')
@ApiBearerAuth()
@Controller('photos')
export class PhotosController {
  constructor(private readonly photos: PhotosService) {}

  /** A JPEG, PNG or WebP of at most 2 MB (multipart field `file`), judged by its bytes. */
  @Auth('cadre', 'villager')
  @Post()
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @Endpoint({
    summary: 'Upload a photo as evidence (JPEG, PNG or WebP, at most 2 MB, judged by its bytes)',
    ok: {
      type: 'object',
      required: ['id', 'contentType', 'width', 'height', 'size'],
      properties: {
        id: { type: 'integer', description: 'For a deed’s photoIds' },
        contentType: { type: 'string', enum: ['image/jpeg', 'image/png', 'image/webp'] },
        width: { type: 'integer' },
        height: { type: 'integer' },
        size: { type: 'integer', description: 'Bytes' },
      },
    },
    errors: {
      413: 'The file is larger than 2 MB',
      415: 'Not a multipart/form-data body',
      429: 'Too many photos today',
    },
  })
  async upload(@CurrentUser() caller: Caller, @Req() req: FastifyRequest) {
    return this.photos.upload(caller, await readUpload(req, MAX_PHOTO_BYTES));
  }

  /** The photo itself, for whoever may see its deed. */
  @Auth('admin', 'cadre', 'villager')
  @Get(':id')
  @ApiProduces('image/jpeg', 'image/png', 'image/webp')
  @Header('Cache-Control', 'private, max-age=86400, immutable')
  @Endpoint({
    summary: 'A photo, for whoever may see its deed',
    okContent: Object.fromEntries(
      ['image/jpeg', 'image/png', 'image/webp'].map((t) => [
        t,
        { type: 'string', format: 'binary' },
      ]),
    ),
  })
  async get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number) {
    const photo = await this.photos.get(caller, id);
    return new StreamableFile(photo.data, { type: photo.contentType, length: photo.size });
  }
}
