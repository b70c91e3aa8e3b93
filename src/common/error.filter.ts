import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = new Set([
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/**
 * Every error leaves in Nest's shape `{ statusCode, message, error }`. A unique-constraint
 * violation that a service did not translate is a 409; body-parser failures keep their 4xx; any
 * other error is a 500 with no detail for the client and the stack in the log.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Error');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    if (status >= 500) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    if (!res.headersSent) res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: object } {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const status = exception.getStatus();
      return {
        status,
        body: typeof response === 'string' ? { statusCode: status, message: response } : response,
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
            code: 'DUPLICATE',
            message: 'A record with the same unique value already exists',
          },
        };
      }
    }
    // body-parser errors (malformed JSON 400, too large 413) carry their own status.
    const e = exception as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const message =
        e.type === 'entity.too.large'
          ? 'Request body too large'
          : e.type === 'entity.parse.failed'
            ? 'Malformed JSON body'
            : (e.message ?? 'Bad request');
      return {
        status: e.status,
        body: {
          statusCode: e.status,
          message,
          error: e.status === 413 ? 'Payload Too Large' : 'Bad Request',
        },
      };
    }
    return {
      status: 500,
      body: { statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' },
    };
  }
}
