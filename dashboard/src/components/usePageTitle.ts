import { useEffect } from 'react';

/** The document title names the screen, for tabs, history and screen readers. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · cardrail dashboard`;
  }, [title]);
}
