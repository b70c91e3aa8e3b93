import {
  BadRequestException,
  HttpException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Text fields a multipart upload may carry beside its file. */
const MAX_FIELDS = 10;

/** One uploaded file, read whole into memory (uploads are small: photos, rosters). */
export interface Upload {
  buffer: Buffer;
  filename: string;
  /** What the client claimed; never trusted for what the bytes are. */
  mimetype: string;
}

/**
 * Reads the one file of a `multipart/form-data` request from the field `field`. Over `maxBytes`
 * → 413; not multipart → 415; no such file, another field, or a malformed body → 400 naming the
 * field. Nothing has been stored when any of these is thrown: the caller stores only what this
 * returns.
 */
export async function readUpload(
  req: FastifyRequest,
  maxBytes: number,
  field = 'file',
): Promise<Upload> {
  if (!req.isMultipart()) {
    throw new UnsupportedMediaTypeException(
      `${field}: send the file as multipart/form-data in the field "${field}"`,
    );
  }
  try {
    const part = await req.file({
      limits: { fileSize: maxBytes, files: 1, fields: MAX_FIELDS, parts: MAX_FIELDS + 1 },
    });
    if (!part || part.fieldname !== field) {
      throw new BadRequestException(`${field}: a file in the field "${field}" is required`);
    }
    const buffer = await part.toBuffer();
    if (buffer.length === 0) throw new BadRequestException(`${field}: the file is empty`);
    return { buffer, filename: part.filename, mimetype: part.mimetype };
  } catch (err) {
    if (err instanceof HttpException) throw err;
    const { statusCode: status, code } = err as { statusCode?: number; code?: string };
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT') {
      throw new BadRequestException(
        `${field}: the form has too many fields; send the one file in "${field}" (at most ${MAX_FIELDS} other fields)`,
      );
    }
    if (status === 413) {
      throw new PayloadTooLargeException(`${field}: the file is larger than ${maxBytes} bytes`);
    }
    throw new BadRequestException(`${field}: the multipart body is malformed`);
  }
}
