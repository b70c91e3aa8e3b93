import { dayLabel } from '../evaluations/board';
import type { PublicBoardDto } from '../evaluations/evaluations.dto';
import { CATEGORIES } from '../rules/categories';

/** A 企业微信 group robot's markdown message (its documented `msgtype: markdown`). */
export interface RobotMessage {
  msgtype: 'markdown';
  markdown: { content: string };
}

/** The robot takes at most 4096 bytes of markdown. */
const MAX_BYTES = 4000;

const markdown = (lines: string[]): RobotMessage => {
  let content = lines.join('\n');
  while (Buffer.byteLength(content) > MAX_BYTES) content = `${[...content].slice(0, -20).join('')}`;
  return { msgtype: 'markdown', markdown: { content } };
};

/**
 * The month's lists as the public board shows them (names masked unless the village or the
 * villager chose otherwise, minors left out, the black list counted unless named), with the
 * closing day and the board's link (with PUBLIC_URL: a relative link does not open in 企业微信).
 */
export function publicityMessage(board: PublicBoardDto, link: string | null): RobotMessage {
  const [y, m] = board.month.split('-');
  const red = board.redList.slice(0, 20).map((r) => `${r.rank}. ${r.name} +${r.net}`);
  const black = board.blackList.map((r) =>
    r.name ? `${r.name}（${r.reasons.join('、')}）` : r.reasons.join('、'),
  );
  return markdown([
    `**${board.village.name}${y}年${Number(m)}月红黑榜${board.publicityEndsOn ? '公示' : '公布'}**`,
    board.publicityEndsOn
      ? `公示到${dayLabel(board.publicityEndsOn)}，有异议请向村委会提出。`
      : '本月榜单已公布。',
    '',
    `红榜：${red.length ? red.join('；') : '暂无'}`,
    `黑榜：${board.blackList.length ? `${board.blackList.length} 人（${black.join('；')}）` : '无'}`,
    ...(link ? ['', `[查看榜单](${link})`] : []),
  ]);
}

/** The day's awards and deductions by category: counts, no names. */
export function dailyMessage(
  villageName: string,
  date: string,
  rows: { category: string; awards: number; deductions: number }[],
): RobotMessage {
  const awards = rows.reduce((n, r) => n + r.awards, 0);
  const deductions = rows.reduce((n, r) => n + r.deductions, 0);
  const lines = rows
    .filter((r) => r.awards > 0)
    .map(
      (r) => `${CATEGORIES.find((c) => c.code === r.category)?.name ?? r.category} ${r.awards} 件`,
    );
  return markdown([
    `**${villageName}${dayLabel(date)}文明积分**`,
    `今天记分 ${awards} 件${lines.length ? `：${lines.join('，')}` : ''}。`,
    deductions ? `扣分 ${deductions} 人次，请大家共同遵守村规民约。` : '今天没有扣分。',
  ]);
}

export function testMessage(villageName: string): RobotMessage {
  return markdown([`**${villageName}文明积分**`, '这是一条测试消息：群机器人已接通。']);
}
