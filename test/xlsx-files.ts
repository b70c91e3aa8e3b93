import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * Hand-made .xlsx files for the upload tests, hostile ones included: a part can be a chunk
 * repeated a million times (deflated once, its compressed bytes repeated, so a gigabyte of XML
 * costs a megabyte and milliseconds to make), and can declare a size other than its real one.
 * Nothing binary is committed: every file is made by the test that sends it.
 */
export interface Repeated {
  prefix: string;
  chunk: string;
  times: number;
  suffix: string;
}

export interface Part {
  name: string;
  body: string | Repeated;
  /** The uncompressed size written in the archive, when it should lie. */
  declaredSize?: number;
}

const sync = (text: string | Buffer) =>
  deflateRawSync(text, { finishFlush: constants.Z_SYNC_FLUSH });

function deflatePart(body: string | Repeated): { data: Buffer; size: number; crc: number } {
  if (typeof body === 'string') {
    const raw = Buffer.from(body);
    return { data: deflateRawSync(raw), size: raw.length, crc: crc32(raw) };
  }
  const prefix = Buffer.from(body.prefix);
  const chunk = Buffer.from(body.chunk);
  const suffix = Buffer.from(body.suffix);
  // each piece ends on a byte boundary (a sync flush) and refers only to its own bytes, so the
  // chunk's compressed form can be repeated; an empty final block closes the stream
  const chunkData = sync(chunk);
  const data = Buffer.concat([
    sync(prefix),
    ...Array.from({ length: body.times }, () => chunkData),
    sync(suffix),
    deflateRawSync(Buffer.alloc(0)),
  ]);
  let crc = crc32(prefix);
  for (let i = 0; i < body.times; i++) crc = crc32(chunk, crc);
  crc = crc32(suffix, crc);
  return { data, size: prefix.length + chunk.length * body.times + suffix.length, crc };
}

/** A ZIP archive of deflated parts, in the order given. */
export function zip(parts: Part[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const { data, size, crc } = deflatePart(part.body);
    const name = Buffer.from(part.name);
    const declared = part.declaredSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(declared, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    central.push(header, name);
    offset += local.length + name.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/**
 * A workbook with one sheet, its parts in the order Excel writes them: the worksheet before the
 * shared strings (a streaming reader has to keep the sheet aside until it has the strings).
 */
export function workbook(opts: {
  rows: string | Repeated;
  strings?: string | Repeated;
  declared?: { rows?: number; strings?: number };
  extraParts?: Part[];
}): Buffer {
  const rowsBody: string | Repeated =
    typeof opts.rows === 'string'
      ? `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>${opts.rows}</sheetData></worksheet>`
      : {
          ...opts.rows,
          prefix: `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>${opts.rows.prefix}`,
          suffix: `${opts.rows.suffix}</sheetData></worksheet>`,
        };
  const parts: Part[] = [
    {
      name: '[Content_Types].xml',
      body:
        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
        `<Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
        `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      body: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      body: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    },
    { name: 'xl/worksheets/sheet1.xml', body: rowsBody, declaredSize: opts.declared?.rows },
    ...(opts.extraParts ?? []),
  ];
  if (opts.strings !== undefined) {
    const head = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}">`;
    parts.push({
      name: 'xl/sharedStrings.xml',
      body:
        typeof opts.strings === 'string'
          ? `${head}${opts.strings}</sst>`
          : {
              ...opts.strings,
              prefix: head + opts.strings.prefix,
              suffix: `${opts.strings.suffix}</sst>`,
            },
      declaredSize: opts.declared?.strings,
    });
  }
  return zip(parts);
}

/** An inline-string cell. */
export const cell = (ref: string, text: string) =>
  `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** The roster's header row with its one required column. */
export const HEADER_ROW = `<row r="1">${cell('A1', '姓名')}</row>`;
