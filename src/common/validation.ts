import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { inputProblem } from './dto';

/**
 * class-validator looks a DTO's rules up anew on every validation, walking every DTO class of the
 * service for inherited ones: a measured part of every request (docs/performance.md). The rules
 * are registered when the classes are declared, so the answer is kept per question, and
 * forgotten should a rule ever be registered later.
 */
function keepRuleLookups(): void {
  const storage = getMetadataStorage();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const register = storage.addValidationMetadata.bind(storage);
  const kept = new Map<unknown, Map<string, ValidationMetadata[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}|${always}|${strictGroups}|${groups?.join(',') ?? ''}`;
    let forTarget = kept.get(target);
    if (!forTarget) kept.set(target, (forTarget = new Map()));
    let rules = forTarget.get(key);
    if (!rules) forTarget.set(key, (rules = lookup(target, schema, always, strictGroups, groups)));
    return [...rules]; // a copy: a caller may reorder what it is given
  };
  storage.addValidationMetadata = (metadata) => {
    kept.clear();
    register(metadata);
  };
}
keepRuleLookups();

/** Flattens nested errors into "items.0.quantity must be ..." messages that name the field. */
function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix + e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) && prefix ? prefix + m : m,
    );
    return [...own, ...messages(e.children ?? [], `${path}.`)];
  });
}

/**
 * class-validator on every DTO, after refusing unsafe text (control characters, direction
 * controls, lone surrogates) and deep nesting anywhere in the input: body, query and path
 * parameters (a NUL in a path reached PostgreSQL as a 500).
 */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problem = inputProblem(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
      if (problem) throw new BadRequestException([problem]);
    }
    return super.transform(value, metadata);
  }

  /** Path parameters stay text: ParseIdPipe checks the digits themselves (`Number('0x9')` is 9). */
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

export function validationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(messages(errors)),
  });
}
