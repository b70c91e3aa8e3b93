import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AuditEvent } from './audit/audit-event.entity';
import { Objection } from './evaluations/objection.entity';
import { ObjectionItemDto } from './evaluations/objections.dto';
import { AuditEventItemDto } from './audit/audit.dto';
import { LedgerEntry } from './ledger/ledger-entry.entity';
import { Delivery } from './wecom/delivery.entity';
import { PublicBoardDto } from './evaluations/evaluations.dto';
import { StockMovement } from './store/store.entity';
import { RosterImportReportDto } from './roster/roster.dto';
import { CounterRedemptionDto, CounterVillagerDto } from './store/counter.dto';
import { SESSION_COOKIE } from './auth/cookies';
import { ENDPOINT_EXTENSION, ref, type EndpointDoc } from './common/api-docs';
import { ACCESS_CODES, CONFLICT_CODES, LIMIT_CODES, ROSTER_INVALID } from './common/refusals';

/**
 * The OpenAPI document of the API, as served at /api/docs-json and written to web/openapi.json
 * (from which the web app's typed client is generated).
 *
 * Nest's plugin derives paths, parameters, bodies and most 2xx schemas from the code. What it
 * cannot see each route says beside itself with `@Endpoint` (src/common/api-docs.ts): the
 * summary, the 2xx schema of routes that return pages or plain objects, and the business refusals
 * (409 codes). The error answers every operation can give (400, 401, 403, 404, 413) follow from
 * its shape. With `strict`
 * (scripts/openapi.ts, so `npm run openapi` and `npm run lint`) an operation without a summary, a
 * 2xx schema or its error answers makes the build of the document throw: a new route cannot be
 * left undocumented. (Under ts-jest the Nest plugin does not run, so the served document of the
 * tests lacks the inferred schemas; it is never strict there.)
 */
export function buildOpenApiDocument(
  app: INestApplication,
  opts: { strict?: boolean } = {},
): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Civility Points · 文明积分')
      .setDescription(
        'Rule catalogue, deeds, points ledger, monthly red/black lists, points store. ' +
          'Authenticate with the bearer token from POST /api/auth/login, or (browsers) with the ' +
          `httpOnly session cookie \`${SESSION_COOKIE}\` it sets.`,
      )
      .setVersion('1')
      .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
      .addServer('/', 'This service')
      .addBearerAuth()
      .addCookieAuth(
        SESSION_COOKIE,
        { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        'session',
      )
      .build(),
    {
      extraModels: [
        LedgerEntry,
        StockMovement,
        PublicBoardDto,
        Objection,
        ObjectionItemDto,
        AuditEvent,
        AuditEventItemDto,
        RosterImportReportDto,
        CounterVillagerDto,
        CounterRedemptionDto,
        Delivery,
      ],
    },
  );
  return completeDocument(doc, opts.strict ?? false);
}

/** Operations that cannot fail on the client's side (no input, open to anyone). */
const NO_ERRORS = new Set(['AuthController_session']);

const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'message'],
  description: 'Every error: Nest’s shape, plus a stable `code` for business refusals (409)',
  properties: {
    statusCode: { type: 'integer', example: 400 },
    message: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: 'What is wrong, naming the field',
    },
    error: { type: 'string', example: 'Bad Request' },
    code: {
      oneOf: [
        ref('ConflictCode'),
        ref('LimitCode'),
        ref('AccessCode'),
        { type: 'string', enum: [ROSTER_INVALID] },
      ],
      description:
        'A stable code: business refusals (409), limits (429), the session (401, 403), the roster report (422)',
    },
  },
};

const TAGS: Record<string, string> = {
  health: 'Liveness',
  auth: 'Login, session and accounts',
  villages: 'Villages and households',
  villagers: 'The roster',
  rules: 'The rule catalogue (积分细则)',
  ledger: 'The append-only points ledger',
  deeds: 'Deeds (事迹): record, self-report, review',
  evaluations: 'Monthly red and black lists (一月一评比)',
  public: 'The public board (no login)',
  store: 'Points stores, goods, stock and redemptions (积分超市)',
  roster: 'Roster import (花名册导入)',
  exports: 'Spreadsheet exports (XLSX / CSV)',
  photos: 'Photo evidence for deeds',
};

function errorResponse(description: string): ResponseObject {
  return {
    description,
    content: { 'application/json': { schema: ref('ErrorResponse') } },
  };
}

function completeDocument(doc: OpenAPIObject, strict: boolean): OpenAPIObject {
  doc.components ??= {};
  doc.components.schemas = {
    ...doc.components.schemas,
    ErrorResponse: ERROR_SCHEMA,
    ConflictCode: { type: 'string', enum: [...CONFLICT_CODES] },
    LimitCode: { type: 'string', enum: [...LIMIT_CODES] },
    AccessCode: { type: 'string', enum: [...ACCESS_CODES] },
  };
  const problems: string[] = [];
  const usedTags = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op: OperationObject | undefined = item[method];
      if (!op) continue;
      const id = op.operationId ?? `${method} ${path}`;
      const extensions = op as unknown as Record<string, unknown>;
      const extra = extensions[ENDPOINT_EXTENSION] as EndpointDoc | undefined;
      delete extensions[ENDPOINT_EXTENSION];
      const isPublic = (op as unknown as Record<string, unknown>)['x-public'] === true;
      delete (op as unknown as Record<string, unknown>)['x-public'];
      if (extra) op.summary = extra.summary;
      (op.tags ?? []).forEach((t) => usedTags.add(t));

      const responses = op.responses as Record<string, ResponseObject>;
      const okStatus = Object.keys(responses).find((s) => s.startsWith('2'));
      if (extra?.okContent && okStatus) {
        responses[okStatus] = {
          description: responses[okStatus].description || 'OK',
          content: Object.fromEntries(
            Object.entries(extra.okContent).map(([type, schema]) => [type, { schema }]),
          ),
        };
      }
      if (extra?.ok && okStatus) {
        responses[okStatus] = {
          description: responses[okStatus].description || 'OK',
          content: { 'application/json': { schema: extra.ok } },
        };
      }

      op.security = isPublic ? [] : [{ bearer: [] }, { session: [] }];
      const hasInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
      if (hasInput)
        responses['400'] ??= errorResponse('Invalid input; the message names the field');
      if (op.requestBody) responses['413'] ??= errorResponse('Request body too large');
      if (!isPublic) {
        responses['401'] ??= errorResponse(
          'No valid bearer token or session cookie (`code` `SESSION_EXPIRED` when it went idle)',
        );
        if (id !== 'AuthController_me') {
          responses['403'] ??= errorResponse(
            'The caller’s role or scope does not allow this, or the account must first change its password or enrol a second factor (`code` `PASSWORD_CHANGE_REQUIRED`, `MFA_SETUP_REQUIRED`)',
          );
        }
      }
      if (path.includes('{'))
        responses['404'] ??= errorResponse('Not found (or not in the caller’s scope)');
      if (extra?.conflicts?.length) {
        responses['409'] = errorResponse(
          `Refused by a business rule; \`code\` is one of ${extra.conflicts.map((c) => `\`${c}\``).join(', ')}`,
        );
      }
      for (const [status, description] of Object.entries(extra?.errors ?? {})) {
        responses[status] = errorResponse(description);
      }

      if (!op.summary) problems.push(`${id}: no summary`);
      const ok = Object.entries(responses).filter(([s]) => s.startsWith('2'));
      if (!ok.length) problems.push(`${id}: no 2xx response`);
      for (const [s, r] of ok) {
        if (s !== '204' && !r.content) problems.push(`${id}: ${s} has no schema`);
        const schema = r.content?.['application/json']?.schema as SchemaObject | undefined;
        if (schema && schema.type === 'object' && !schema.properties && !schema.allOf) {
          problems.push(`${id}: ${s} schema is an empty object`);
        }
      }
      if (!Object.keys(responses).some((s) => /^[45]/.test(s)) && !NO_ERRORS.has(id)) {
        problems.push(`${id}: no error responses`);
      }
    }
  }
  doc.tags = [...usedTags].sort().map((name) => ({ name, description: TAGS[name] ?? name }));
  if (strict && problems.length) {
    throw new Error(`OpenAPI document incomplete:\n  ${problems.join('\n  ')}`);
  }
  return doc;
}
