import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Village } from '../villages/village.entity';
import { Evaluation } from './evaluation.entity';
import { BoardsController, EvaluationsController } from './evaluations.controller';
import { EvaluationsService } from './evaluations.service';

@Module({
  imports: [TypeOrmModule.forFeature([Evaluation, Village])],
  controllers: [EvaluationsController, BoardsController],
  providers: [EvaluationsService],
})
export class EvaluationsModule {}
