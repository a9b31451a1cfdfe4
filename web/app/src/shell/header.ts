// The header's org switcher and user menu.
import { logOut } from '../lib/auth';
import { ApiError } from '../lib/api';
import { $currentOrg, $org, $orgs, $user, pushToast } from '../lib/stores';

export function mountHeader(els: { select: HTMLSelectElement; email: HTMLElement; logout: HTMLButtonElement }, onSignedOut: () => void): void {
  const { select, email, logout } = els;
  const doc = select.ownerDocument;

  $orgs.subscribe((orgs) => {
    select.replaceChildren(
      ...orgs.map((o) => {
        const opt = doc.createElement('option');
        opt.value = o.id;
        opt.textContent = o.name;
        return opt;
      }),
    );
    select.disabled = orgs.length < 2;
    select.value = $org.get() ?? '';
  });
  $org.subscribe((id) => {
    select.value = id ?? '';
  });
  select.addEventListener('change', () => {
    $org.set(select.value);
    const org = $currentOrg.get();
    if (org) pushToast(`Now working in ${org.name}.`, { tone: 'info' });
  });

  $user.subscribe((user) => {
    email.textContent = user?.email ?? '';
  });

  logout.addEventListener('click', async () => {
    logout.disabled = true;
    try {
      await logOut();
      onSignedOut();
      pushToast('You are logged out.', { tone: 'success' });
    } catch (err) {
      pushToast(err instanceof ApiError ? err.detail : 'Logging out failed. Try again.', { tone: 'error' });
    } finally {
      logout.disabled = false;
    }
  });
}
