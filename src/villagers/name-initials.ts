import { pinyin } from 'pinyin-pro';

/** Longest value of `villagers.name_initials`: two readings of a 50-character name and a space. */
export const NAME_INITIALS_LENGTH = 101;

const reading = (name: string, mode: 'surname' | 'normal') =>
  pinyin(name, { pattern: 'first', toneType: 'none', type: 'array', mode })
    .join('')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * The pinyin initials a cadre types to find a villager: 周祖辉 → `zzh`. The first reading takes
 * the surname's reading as a surname (单 → shan, 曾 → zeng, 仇 → qiu); when the everyday reading
 * differs (dan, ceng, chou), it follows after a space, so either is found. Letters and digits
 * of other scripts are kept in lower case (Anna → `anna`).
 */
export function nameInitials(name: string): string {
  const surname = reading(name, 'surname');
  const normal = reading(name, 'normal');
  return surname === normal ? surname : `${surname} ${normal}`;
}
