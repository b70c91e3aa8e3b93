import { ref, watch } from 'vue';
import { api } from './api/client';
import { call } from './api/errors';
import { pointsCn } from './format';
import { currentUser } from './session';

/**
 * 长辈版 (elder mode): large type, big buttons, 加分/扣分 in words (docs/product.md, "Elder
 * mode"). Before login the device remembers it; signed in, the account's choice wins (or the
 * village's default for a villager) — except a choice made on the login screen just now, which
 * the account takes over. `html.elder` switches the styles (styles.css).
 */
const DEVICE_KEY = 'cp_elder';
const CHOSEN_BEFORE_LOGIN = 'cp_elder_chosen';

const stored = (key: string, storage: Storage) => {
  try {
    return storage.getItem(key);
  } catch {
    return null; // storage refused (private mode): the choice lasts the visit
  }
};
const store = (key: string, value: string | null, storage: Storage) => {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    // as above
  }
};

export const elderMode = ref(stored(DEVICE_KEY, localStorage) === '1');

watch(
  elderMode,
  (on) => {
    document.documentElement.classList.toggle('elder', on);
    store(DEVICE_KEY, on ? '1' : '0', localStorage);
  },
  { immediate: true },
);

// A sign-in: the account's setting, unless the person chose on the login screen a moment ago.
watch(currentUser, async (user, before) => {
  if (!user || before?.id === user.id) return;
  if (stored(CHOSEN_BEFORE_LOGIN, sessionStorage) !== null && user.elderMode !== elderMode.value) {
    store(CHOSEN_BEFORE_LOGIN, null, sessionStorage);
    await setElderMode(elderMode.value);
    return;
  }
  store(CHOSEN_BEFORE_LOGIN, null, sessionStorage);
  elderMode.value = user.elderMode;
});

/** Switches 长辈版 on or off: for the account when signed in, and for this device. */
export async function setElderMode(on: boolean): Promise<void> {
  elderMode.value = on;
  if (!currentUser.value) {
    store(CHOSEN_BEFORE_LOGIN, '1', sessionStorage);
    return;
  }
  const user = await call(api.PATCH('/api/me', { body: { elderMode: on } }));
  if (currentUser.value?.id === user.id) currentUser.value = user;
}

/** A gain or a deduction in words as well as its sign: 加分 5 / 扣分 5 (never by colour alone). */
export const pointsWords = (n: number): string => `${n < 0 ? '扣分' : '加分'} ${Math.abs(n)}`;

/** Points as a villager's screen shows them: +5 分, or in 长辈版 加分 5. */
export const pointsShown = (n: number): string => (elderMode.value ? pointsWords(n) : pointsCn(n));
