import type { CategoryCode } from './categories';

/** The district catalogue a fresh install ships (积分细则), five or more rules in each category. */
export const DEFAULT_RULES: {
  code: string;
  category: CategoryCode;
  title: string;
  points: number;
  maxPerMonth: number | null;
}[] = [
  // 产业致富
  {
    code: 'IND-01',
    category: 'industry',
    title: '发展特色种养业，年增收明显',
    points: 10,
    maxPerMonth: 1,
  },
  {
    code: 'IND-02',
    category: 'industry',
    title: '返乡创业或带动村民就业',
    points: 20,
    maxPerMonth: 1,
  },
  {
    code: 'IND-03',
    category: 'industry',
    title: '参加农业技术培训并取得证书',
    points: 5,
    maxPerMonth: 2,
  },
  {
    code: 'IND-04',
    category: 'industry',
    title: '加入农民专业合作社并按章履约',
    points: 5,
    maxPerMonth: 1,
  },
  {
    code: 'IND-05',
    category: 'industry',
    title: '主动流转闲置土地、不撂荒',
    points: 5,
    maxPerMonth: 1,
  },
  {
    code: 'IND-06',
    category: 'industry',
    title: '撂荒耕地经劝导仍不复耕',
    points: -5,
    maxPerMonth: 1,
  },
  // 善行义举
  {
    code: 'KND-01',
    category: 'kindness',
    title: '参加村组志愿服务活动',
    points: 2,
    maxPerMonth: 4,
  },
  {
    code: 'KND-02',
    category: 'kindness',
    title: '见义勇为，事迹经核实',
    points: 50,
    maxPerMonth: null,
  },
  {
    code: 'KND-03',
    category: 'kindness',
    title: '为村内公益事业捐款捐物',
    points: 5,
    maxPerMonth: 2,
  },
  {
    code: 'KND-04',
    category: 'kindness',
    title: '帮扶孤寡老人、留守儿童',
    points: 3,
    maxPerMonth: 4,
  },
  { code: 'KND-05', category: 'kindness', title: '无偿献血', points: 10, maxPerMonth: 1 },
  {
    code: 'KND-06',
    category: 'kindness',
    title: '参与抢险救灾、疫情防控',
    points: 10,
    maxPerMonth: null,
  },
  // 环境卫生
  {
    code: 'ENV-01',
    category: 'environment',
    title: '庭院整洁，卫生评比达标',
    points: 3,
    maxPerMonth: 1,
  },
  { code: 'ENV-02', category: 'environment', title: '垃圾分类投放到位', points: 2, maxPerMonth: 1 },
  {
    code: 'ENV-03',
    category: 'environment',
    title: '参加村庄环境集中整治',
    points: 2,
    maxPerMonth: 4,
  },
  { code: 'ENV-04', category: 'environment', title: '门前三包落实到位', points: 2, maxPerMonth: 1 },
  {
    code: 'ENV-05',
    category: 'environment',
    title: '乱倒垃圾、乱排污水',
    points: -5,
    maxPerMonth: null,
  },
  {
    code: 'ENV-06',
    category: 'environment',
    title: '乱搭乱建、占用公共空间',
    points: -10,
    maxPerMonth: null,
  },
  {
    code: 'ENV-07',
    category: 'environment',
    title: '焚烧秸秆、垃圾',
    points: -5,
    maxPerMonth: null,
  },
  // 诚实守信
  {
    code: 'INT-01',
    category: 'integrity',
    title: '按时缴纳医保、养老保险',
    points: 3,
    maxPerMonth: 1,
  },
  { code: 'INT-02', category: 'integrity', title: '拾金不昧', points: 5, maxPerMonth: null },
  {
    code: 'INT-03',
    category: 'integrity',
    title: '遵守村规民约，主动调解邻里纠纷',
    points: 3,
    maxPerMonth: 2,
  },
  {
    code: 'INT-04',
    category: 'integrity',
    title: '按时偿还贷款，信用良好',
    points: 3,
    maxPerMonth: 1,
  },
  {
    code: 'INT-05',
    category: 'integrity',
    title: '列入失信被执行人名单',
    points: -20,
    maxPerMonth: 1,
  },
  {
    code: 'INT-06',
    category: 'integrity',
    title: '缠访闹访、散布谣言',
    points: -10,
    maxPerMonth: null,
  },
  {
    code: 'INT-07',
    category: 'integrity',
    title: '参与赌博、封建迷信活动',
    points: -10,
    maxPerMonth: null,
  },
  // 家庭美德（含移风易俗）
  {
    code: 'FAM-01',
    category: 'family',
    title: '孝老爱亲，悉心照料老人',
    points: 5,
    maxPerMonth: 1,
  },
  { code: 'FAM-02', category: 'family', title: '婚事新办、丧事简办', points: 10, maxPerMonth: 1 },
  { code: 'FAM-03', category: 'family', title: '评为“好婆婆”“好媳妇”', points: 10, maxPerMonth: 1 },
  {
    code: 'FAM-04',
    category: 'family',
    title: '子女考入大学或参军入伍',
    points: 10,
    maxPerMonth: 1,
  },
  { code: 'FAM-05', category: 'family', title: '不赡养老人', points: -20, maxPerMonth: null },
  { code: 'FAM-06', category: 'family', title: '大操大办红白喜事', points: -20, maxPerMonth: null },
  { code: 'FAM-07', category: 'family', title: '索要高价彩礼', points: -20, maxPerMonth: null },
  {
    code: 'FAM-08',
    category: 'family',
    title: '办无事酒（升学、乔迁等）',
    points: -10,
    maxPerMonth: null,
  },
  { code: 'FAM-09', category: 'family', title: '家庭暴力', points: -30, maxPerMonth: null },
];
