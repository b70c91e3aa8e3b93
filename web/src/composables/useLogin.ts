import { ref, type Ref } from 'vue';
import { api, type User } from '../api/client';
import { call, type ApiError } from '../api/errors';
import { currentUser } from '../session';
import { useSubmit } from './useSubmit';

/** A refused login step in the login's words; a 429 keeps the sentence that says how long to wait. */
function refusal(step: 'password' | 'code') {
  return (err: ApiError): string | undefined => {
    if (err.status === 429) return undefined;
    if (err.status === 401 || err.status === 400) {
      return step === 'password'
        ? '用户名或密码错误'
        : '验证码不对或已用过，请看手机上最新的 6 位数字';
    }
    if (err.status === 403) return '这个账号已停用，请联系管理员';
    return err.status === 0 ? '网络异常，请检查网络后重试' : '登录失败，请稍后重试';
  };
}

/**
 * The one way to log in, for the login page and the login over a page whose session ended: the
 * password, then, for an account with a second factor, the 6-digit code of the authenticator app
 * (or a recovery code). `signedIn` is called with the account once both are done.
 */
export function useLogin(signedIn: (user: User) => unknown): {
  busy: Ref<boolean>;
  error: Ref<string>;
  /** The second step is due: ask for the code. */
  needsCode: Ref<boolean>;
  withPassword: (username: string, password: string) => Promise<boolean>;
  withCode: (code: string) => Promise<boolean>;
} {
  const { busy, error, submit } = useSubmit();
  const needsCode = ref(false);
  let mfaToken = '';

  async function done(user: User) {
    currentUser.value = user;
    await signedIn(user);
  }

  const withPassword = (username: string, password: string) =>
    submit(async () => {
      const data = await call(
        api.POST('/api/auth/login', { body: { username: username.trim(), password } }),
      );
      if (data.mfaRequired && data.mfaToken) {
        mfaToken = data.mfaToken;
        needsCode.value = true;
        return;
      }
      await done(data.user!);
    }, refusal('password'));

  const withCode = (code: string) =>
    submit(async () => {
      const data = await call(api.POST('/api/auth/mfa', { body: { mfaToken, code: code.trim() } }));
      needsCode.value = false;
      await done(data.user);
    }, refusal('code'));

  return { busy, error, needsCode, withPassword, withCode };
}
