import { ApiError } from './errors.ts';
import type { FakeState, TokenRecord, UserRecord } from './state.ts';

/**
 * API authentication as Gitea does it: `Authorization: token X`, `Authorization: Bearer X`,
 * or basic auth with a password (or with a token in place of the password). An unknown token
 * is a 401, not an anonymous request. Query-string tokens are not accepted.
 */
export interface Authentication {
  user: UserRecord | null;
  /** `basic` only for a real username and password: the one method allowed to mint tokens. */
  method: 'anonymous' | 'token' | 'basic' | 'basic-token';
  token?: TokenRecord;
}

export function authenticate(state: FakeState, authorization: string | undefined): Authentication {
  const header = authorization?.trim() ?? '';
  if (header === '') return { user: null, method: 'anonymous' };
  const [scheme = '', ...rest] = header.split(/\s+/);
  const credential = rest.join(' ');
  switch (scheme.toLowerCase()) {
    case 'token':
    case 'bearer': {
      const token = state.tokenByValue(credential);
      if (!token) throw new ApiError(401, 'user does not exist [uid: 0, name: ]');
      return { user: state.userById(token.userId), method: 'token', token };
    }
    case 'basic':
      return basic(state, credential);
    default:
      return { user: null, method: 'anonymous' };
  }
}

function basic(state: FakeState, credential: string): Authentication {
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const login = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  // A token may stand in for the username (password empty or x-oauth-basic) or the password.
  const usernameToken =
    password === '' || password === 'x-oauth-basic' ? state.tokenByValue(login) : undefined;
  const passwordToken = state.tokenByValue(password);
  const token = usernameToken ?? passwordToken;
  if (token) return { user: state.userById(token.userId), method: 'basic-token', token };
  const user = state.userByLogin(login);
  if (!user) throw new ApiError(401, `user does not exist [uid: 0, name: ${login}]`);
  if (user.password !== password) {
    throw new ApiError(401, `user's password is invalid [uid: ${user.id}, name: ${user.login}]`);
  }
  return { user, method: 'basic' };
}
