import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config';
import { dataSourceOptions } from './data-source';
import { Tx } from './transaction';

/** The data source (migrations applied at start) and the transaction helper, for every module. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.database),
        migrationsRun: true,
      }),
    }),
  ],
  providers: [Tx],
  exports: [Tx],
})
export class DatabaseModule {}
