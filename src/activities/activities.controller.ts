import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Endpoint } from '../common/api-docs';
import { Auth, Caller, CurrentUser } from '../common/auth.decorators';
import { ParseIdPipe } from '../common/ids';
import {
  ActivityCancelDto,
  ActivityCreateDto,
  ActivityListQueryDto,
  CheckinCreateDto,
  SignupCreateDto,
  type ActivityClosedDto,
  type ActivityDto,
  type ActivityPageDto,
  type CheckinTokenDto,
  type ParticipantDto,
  type SignupDto,
  type VolunteerRecordDto,
} from './activities.dto';
import { ActivitiesService } from './activities.service';

/** Activities and volunteer service (docs/product.md, "Activities"). */
@ApiTags('activities')
@ApiBearerAuth()
@Controller()
export class ActivitiesController {
  constructor(private readonly activities: ActivitiesService) {}

  @Auth('cadre')
  @Post('villages/:villageId/activities')
  @Endpoint({
    summary: 'Publish an activity (义务劳动, 环境整治, 志愿服务) with the rule it awards',
  })
  create(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Body() dto: ActivityCreateDto,
  ): Promise<ActivityDto> {
    return this.activities.create(caller, villageId, dto);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get('villages/:villageId/activities')
  @Endpoint({ summary: 'A village’s activities: upcoming, past, or all' })
  list(
    @CurrentUser() caller: Caller,
    @Param('villageId', ParseIdPipe) villageId: number,
    @Query() q: ActivityListQueryDto,
  ): Promise<ActivityPageDto> {
    return this.activities.list(caller, villageId, q);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get('activities/:id')
  @Endpoint({ summary: 'One activity, with how many signed up and checked in' })
  get(@CurrentUser() caller: Caller, @Param('id', ParseIdPipe) id: number): Promise<ActivityDto> {
    return this.activities.get(caller, id);
  }

  @Auth('admin', 'cadre')
  @Get('activities/:id/signups')
  @Endpoint({
    summary: 'Who signed up or walked in, who checked in, and (closed) what each was given',
  })
  signups(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
  ): Promise<ParticipantDto[]> {
    return this.activities.signups(caller, id);
  }

  @Auth('cadre', 'villager')
  @Post('activities/:id/signups')
  @Endpoint({
    summary: 'Sign up: a villager themselves, a cadre a villager of the village; again: the same',
    conflicts: ['ACTIVITY_FULL', 'ACTIVITY_NOT_OPEN', 'VILLAGER_NOT_ACTIVE'],
  })
  signup(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: SignupCreateDto,
  ): Promise<SignupDto> {
    return this.activities.signup(caller, id, dto);
  }

  @Auth('cadre', 'villager')
  @Post('activities/:id/checkins')
  @Endpoint({
    summary: 'Check in: a cadre names the villager (card or name), a villager sends the QR’s token',
    conflicts: ['CHECKIN_CLOSED', 'ACTIVITY_FULL', 'ACTIVITY_NOT_OPEN', 'VILLAGER_NOT_ACTIVE'],
  })
  checkin(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: CheckinCreateDto,
  ): Promise<SignupDto> {
    return this.activities.checkin(caller, id, dto);
  }

  @Auth('cadre')
  @Get('activities/:id/checkin-token')
  @Endpoint({
    summary: 'The code for the venue’s check-in QR and when it works',
    conflicts: ['ACTIVITY_NOT_OPEN'],
  })
  checkinToken(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
  ): Promise<CheckinTokenDto> {
    return this.activities.checkinToken(caller, id);
  }

  @Auth('cadre')
  @Post('activities/:id/close')
  @HttpCode(200)
  @Endpoint({
    summary: 'Close: award the rule to everyone checked in, once, and credit their hours',
    conflicts: ['INVALID_TRANSITION', 'RULE_INACTIVE'],
  })
  close(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
  ): Promise<ActivityClosedDto> {
    return this.activities.close(caller, id);
  }

  @Auth('cadre')
  @Post('activities/:id/cancel')
  @HttpCode(200)
  @Endpoint({
    summary: 'Cancel an open activity with a reason, shown to those signed up',
    conflicts: ['INVALID_TRANSITION'],
  })
  cancel(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
    @Body() dto: ActivityCancelDto,
  ): Promise<ActivityDto> {
    return this.activities.cancel(caller, id, dto);
  }

  @Auth('admin', 'cadre', 'villager')
  @Get('villagers/:id/volunteer-record')
  @Endpoint({ summary: '志愿服务记录: the villager’s hours at closed activities, by organiser' })
  volunteerRecord(
    @CurrentUser() caller: Caller,
    @Param('id', ParseIdPipe) id: number,
  ): Promise<VolunteerRecordDto> {
    return this.activities.volunteerRecord(caller, id);
  }
}
