import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackupModule } from './backup/backup.module';
import { AppAuthGuard } from './auth/auth.guard';
import { ConfigModule } from './common/config.module';
import { ErrorFilter } from './common/error.filter';
import { validationPipe } from './common/validation';
import { AppConfig, loadConfig } from './config';
import { DatabaseModule } from './db/database.module';
import { DeedsModule } from './deeds/deeds.module';
import { DistrictModule } from './district/district.module';
import { SettlementModule } from './settlement/settlement.module';
import { ExportsModule } from './exports/exports.module';
import { EvaluationsModule } from './evaluations/evaluations.module';
import { HealthController } from './health.controller';
import { HouseholdsModule } from './households/households.module';
import { LedgerModule } from './ledger/ledger.module';
import { MetricsModule } from './metrics/metrics.module';
import { PhotosModule } from './photos/photos.module';
import { RosterModule } from './roster/roster.module';
import { RulesModule } from './rules/rules.module';
import { ScoresModule } from './scores/scores.module';
import { ActivitiesModule } from './activities/activities.module';
import { NoticesModule } from './notices/notices.module';
import { WecomModule } from './wecom/wecom.module';
import { StoreModule } from './store/store.module';
import { VillagersModule } from './villagers/villagers.module';
import { VillagesModule } from './villages/villages.module';

/**
 * The whole application. Validation, the guard and the error filter are registered here, not in
 * main.ts, so tests built from this module behave exactly like the service.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        BackupModule,
        AuthModule,
        VillagesModule,
        VillagersModule,
        RulesModule,
        LedgerModule,
        AuditModule,
        PhotosModule,
        DeedsModule,
        HouseholdsModule,
        EvaluationsModule,
        StoreModule,
        MetricsModule,
        RosterModule,
        ExportsModule,
        DistrictModule,
        SettlementModule,
        ScoresModule,
        ActivitiesModule,
        NoticesModule,
        WecomModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_PIPE, useFactory: (): ValidationPipe => validationPipe() },
        { provide: APP_GUARD, useClass: AppAuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
