import { Module } from '@nestjs/common';
import { NoticesModule } from '../notices/notices.module';
import { WecomModule } from '../wecom/wecom.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Village } from '../villages/village.entity';
import { Evaluation } from './evaluation.entity';
import { Objection } from './objection.entity';
import { ObjectionsController } from './objections.controller';
import { ObjectionsService } from './objections.service';
import { BoardsController, EvaluationsController } from './evaluations.controller';
import { EvaluationsService } from './evaluations.service';
import { Villager } from '../villagers/villager.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([Evaluation, Objection, Village, Villager]),
    NoticesModule,
    WecomModule,
  ],
  controllers: [EvaluationsController, ObjectionsController, BoardsController],
  providers: [EvaluationsService, ObjectionsService],
})
export class EvaluationsModule {}
