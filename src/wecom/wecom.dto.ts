import { IsString, MaxLength, ValidateIf } from 'class-validator';

export class WecomSettingsDto {
  configured!: boolean;
  /** The robot's host and the key's last 4 characters, e.g. qyapi.weixin.qq.com …3f9a; never the key. */
  hint!: string | null;
}

export class WecomWebhookDto {
  /** The group robot's Webhook address (群机器人 → Webhook 地址), or null to stop posting. */
  @ValidateIf((o: WecomWebhookDto) => o.url !== null)
  @IsString()
  @MaxLength(300)
  url!: string | null;
}
