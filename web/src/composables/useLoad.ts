import { onMounted, ref, type Ref } from 'vue';
import { messageOf } from '../api/errors';

/**
 * The one way a screen loads what it shows: `data` once loaded, `error` as the sentence to show
 * (ErrorNote), `loading`, and `reload()` after a change. Loads when the screen mounts unless told
 * otherwise; `load` awaits `call()` (src/api/errors.ts), so every refusal reads the same.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  opts: { immediate?: boolean } = {},
): {
  data: Ref<T | undefined>;
  error: Ref<string>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
} {
  const data = ref<T>() as Ref<T | undefined>;
  const error = ref('');
  const loading = ref(false);
  async function reload() {
    loading.value = true;
    try {
      data.value = await load();
      error.value = '';
    } catch (err) {
      error.value = messageOf(err);
    } finally {
      loading.value = false;
    }
  }
  if (opts.immediate !== false) onMounted(reload);
  return { data, error, loading, reload };
}
