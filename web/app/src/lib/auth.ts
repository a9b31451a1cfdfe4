// Signing in and out, and loading who is signed in. The session itself lives
// in the HTTP-only cookies the API sets (api/session.go): the shell never
// sees a token, only when the access token expires, to refresh ahead of it.
import { api, ApiError, type Client } from './api';
import { $org, $orgs, $session, chooseOrg } from './stores';
import type { Org } from './types';

/** The orgs page size; a caller with more orgs gets further pages. */
const ORG_PAGE = 200;

async function allOrgs(client: Client): Promise<Org[]> {
  const orgs: Org[] = [];
  let cursor: string | undefined;
  do {
    const { data, meta } = await client.get('/api/v1/orgs', { query: { limit: ORG_PAGE, cursor } });
    orgs.push(...(data ?? []));
    cursor = meta.next_cursor || undefined;
  } while (cursor);
  return orgs;
}

/**
 * loadSession asks the API who is signed in (GET /api/v1/me) and which orgs
 * they have (GET /api/v1/orgs), and sets $session, $orgs and $org. A 401
 * (after the client's refresh) means signed out; other failures throw, for
 * the frame to show with a retry.
 */
export async function loadSession(client: Client = api): Promise<void> {
  try {
    client.schedule();
    const [me, orgs] = await Promise.all([client.get('/api/v1/me'), allOrgs(client)]);
    const user = me.data?.user;
    if (!user) throw new Error('GET /api/v1/me answered without a user');
    $orgs.set(orgs);
    $org.set(chooseOrg(orgs));
    $session.set({ status: 'signed-in', user });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      client.forget();
      $orgs.set([]);
      $session.set({ status: 'signed-out' });
      return;
    }
    throw err;
  }
}

/** logIn signs in with e-mail and password; ApiError on refusal (detail, fields). */
export async function logIn(email: string, password: string, client: Client = api): Promise<void> {
  const { data } = await client.post('/api/v1/auth/login', { body: { email, password } });
  client.noteSession(data?.session);
  await loadSession(client);
}

/**
 * signUp creates the account and its first org, and signs in. Returns
 * 'confirm' when the identity provider wants the e-mail address confirmed
 * before it gives a session.
 */
export async function signUp(
  input: { email: string; password: string; org_name?: string },
  client: Client = api,
): Promise<'signed-in' | 'confirm'> {
  const body = { email: input.email, password: input.password, ...(input.org_name ? { org_name: input.org_name } : {}) };
  const { data } = await client.post('/api/v1/auth/signup', { body });
  if (data?.confirmation_required || !data?.session) return 'confirm';
  client.noteSession(data.session);
  if (data.org?.id) $org.set(data.org.id);
  await loadSession(client);
  return 'signed-in';
}

/** logOut ends the session (the API clears the cookies) and signs the shell out. */
export async function logOut(client: Client = api): Promise<void> {
  try {
    await client.post('/api/v1/auth/logout');
  } catch (err) {
    // Already signed out is signed out; anything else is for the caller.
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  client.forget();
  $orgs.set([]);
  $session.set({ status: 'signed-out' });
}
