// useUnreadCount: the unread count in React (for a badge), read once on
// mount when it is not known yet; null while unknown.
//
//   const unread = useUnreadCount();
//   {unread ? <span className="badge">{unread}</span> : null}
import { useStore } from '@nanostores/react';
import { useEffect } from 'react';
import { $org } from '../../lib/stores';
import { $unreadCount, refreshUnreadCount } from './unread';

export function useUnreadCount(): number | null {
  const count = useStore($unreadCount);
  const org = useStore($org);
  useEffect(() => {
    if (!org || $unreadCount.get() !== null) return;
    const abort = new AbortController();
    void refreshUnreadCount(abort.signal);
    return () => abort.abort();
  }, [org]);
  return count;
}
