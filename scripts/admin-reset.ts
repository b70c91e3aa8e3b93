/**
 * `npm run admin:reset -- <username>`: for an administrator locked out (lost password or phone),
 * from the server's shell. Prints a new password, to be changed at the next login; removes the
 * second factor, re-enables the account and ends its sessions (UsersService.resetFromShell).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { UsersService } from '../src/auth/users.service';
import { loadConfig } from '../src/config';

async function main() {
  const username = process.argv[2];
  if (!username) {
    console.error('Usage: npm run admin:reset -- <username>');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig()), {
    logger: ['error', 'warn'],
  });
  try {
    const password = await app.get(UsersService).resetFromShell(username);
    console.log(
      `Reset "${username}": new password ${password} (shown once; to be changed at the next login). ` +
        'The second factor is removed and every session ended.',
    );
  } finally {
    await app.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
