import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { redactDbMessage } from '../db/query-logger';
import type { ConflictCode } from './refusals';

const UNIQUE_VIOLATION = new Set([
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

/**
 * Every error leaves in Nest's shape `{ statusCode, message, error }`. A unique-constraint
 * violation that a service did not translate is a 409; Fastify's own 4xx (body too large,
 * malformed JSON, unsupported media type), which Nest hands over as HttpExceptions, keep their
 * status; any other error is a 500 with no detail for the client and the stack in the log.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Error');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.describe(exception);
    if (status >= 500) this.logger.error(this.forLog(exception));
    if (!reply.sent) void reply.status(status).send(body);
  }

  /** The stack for the log; a failed query's message without the values it may quote. */
  private forLog(exception: unknown): string {
    if (!(exception instanceof Error)) return String(exception);
    const stack = exception.stack ?? exception.message;
    if (!(exception instanceof QueryFailedError)) return stack;
    return stack.replace(exception.message, redactDbMessage(exception.message));
  }

  private describe(exception: unknown): { status: number; body: object } {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const status = exception.getStatus();
      return {
        status,
        body:
          typeof response === 'string'
            ? { statusCode: status, message: response, error: ERROR_NAMES[status] ?? 'Error' }
            : response,
      };
    }
    if (exception instanceof QueryFailedError) {
      const code = (exception.driverError as { code?: string } | undefined)?.code;
      if (code && UNIQUE_VIOLATION.has(code)) {
        return {
          status: 409,
          body: {
            statusCode: 409,
            error: 'Conflict',
            code: 'DUPLICATE' satisfies ConflictCode,
            message: 'A record with the same unique value already exists',
          },
        };
      }
    }
    return {
      status: 500,
      body: { statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' },
    };
  }
}
