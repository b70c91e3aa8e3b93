import { ref, type Ref } from 'vue';
import { ApiError, messageOf } from '../api/errors';

/**
 * The one way a form is sent: one try at a time (`busy`, for the button's loading state), and a
 * refusal shown as `error` (ErrorNote) while what was typed stays. `submit(work)` answers whether
 * the work succeeded; `refusal` may put a code's sentence in the words of this form.
 */
export function useSubmit(): {
  busy: Ref<boolean>;
  error: Ref<string>;
  submit: (
    work: () => Promise<unknown>,
    refusal?: (err: ApiError) => string | undefined,
  ) => Promise<boolean>;
} {
  const busy = ref(false);
  const error = ref('');
  async function submit(
    work: () => Promise<unknown>,
    refusal?: (err: ApiError) => string | undefined,
  ): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    error.value = '';
    try {
      await work();
      return true;
    } catch (err) {
      error.value = (err instanceof ApiError && refusal?.(err)) || messageOf(err);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, submit };
}
