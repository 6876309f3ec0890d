import {
  htmlResponse,
  mustDoer,
  redirect,
  serverError,
  type WebContext,
  type WebResponse,
  type WebRoute,
} from './context.ts';
import { bindForm } from './forms.ts';
import { loginMain, settingsMain, twoFactorMain } from './html.ts';

/**
 * Sign-in (`routers/web/auth/auth.go` 284–452, `2fa.go` 43–90) and the two signed-in pages a
 * client can use to tell whether its session is alive: `/user/settings` (reqSignIn: 303 to
 * `/user/login` for a visitor) and `/` .
 */

const WRONG_CREDENTIALS = 'Username or password is incorrect.';

function loginPage(ctx: WebContext, status: number, error: string | null, userName = ''): WebResponse {
  const csrfToken = ctx.web.legacyCsrf ? ctx.session.csrfToken : null;
  return htmlResponse(ctx, status, 'Sign In', loginMain({ csrfToken, error, userName }));
}

export const authRoutes: WebRoute[] = [
  {
    method: 'GET',
    pattern: '/user/login',
    auth: 'signed-out',
    handle: (ctx) => loginPage(ctx, 200, null),
  },
  {
    method: 'POST',
    pattern: '/user/login',
    auth: 'signed-out',
    async handle(ctx) {
      const form = await bindForm({ UserName: 'string', Password: 'string' }, ctx.contentType, ctx.raw);
      // SignInForm.Validate: user_name is Required.
      if (form.UserName === '') return loginPage(ctx, 200, 'Username or Email Address cannot be empty.');
      const { state } = ctx.web.world;
      const byEmail = [...state.users.values()].find(
        (u) => u.email.toLowerCase() === form.UserName.toLowerCase(),
      );
      const user = state.userByLogin(form.UserName) ?? byEmail;
      if (!user || user.password !== form.Password) {
        return loginPage(ctx, 200, WRONG_CREDENTIALS, form.UserName);
      }
      if (ctx.web.twoFactorUsers.has(user.id)) {
        const pending = ctx.web.sessions.regenerate(ctx.session, { userId: null, twoFactorUserId: user.id });
        return { ...redirect('/user/two_factor'), newSession: pending };
      }
      const signedIn = ctx.web.sessions.regenerate(ctx.session, { userId: user.id, twoFactorUserId: null });
      return { ...redirect('/'), newSession: signedIn };
    },
  },
  {
    method: 'GET',
    pattern: '/user/two_factor',
    auth: 'signed-out',
    handle(ctx) {
      if (ctx.session.twoFactorUserId === null) return serverError(ctx);
      const csrfToken = ctx.web.legacyCsrf ? ctx.session.csrfToken : null;
      return htmlResponse(ctx, 200, 'Two-Factor Authentication', twoFactorMain({ csrfToken, error: null }));
    },
  },
  {
    method: 'POST',
    pattern: '/user/two_factor',
    auth: 'signed-out',
    handle(ctx) {
      if (ctx.session.twoFactorUserId === null) return serverError(ctx);
      // No authenticator app stands behind the fake: every passcode is wrong.
      const csrfToken = ctx.web.legacyCsrf ? ctx.session.csrfToken : null;
      return htmlResponse(
        ctx,
        200,
        'Two-Factor Authentication',
        twoFactorMain({ csrfToken, error: 'Your passcode is incorrect.' }),
      );
    },
  },
  {
    method: 'GET',
    pattern: '/user/settings',
    auth: 'required',
    handle: (ctx) => htmlResponse(ctx, 200, 'Profile', settingsMain(mustDoer(ctx).login)),
  },
  {
    method: 'GET',
    pattern: '/',
    auth: 'optional',
    handle: (ctx) =>
      htmlResponse(
        ctx,
        200,
        ctx.doer ? 'Dashboard' : 'Gitea',
        '<div role="main" class="page-content home"></div>',
      ),
  },
];
