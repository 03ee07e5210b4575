// Previous / next over an API list's cursors.
import type { CursorPages } from '../api/query';

export function Pager<T>({ pages, label }: { pages: CursorPages<T>; label: string }) {
  if (pages.next === undefined && pages.previous === undefined) return null;
  return (
    <nav className="pager" aria-label={`Pages of ${label}`}>
      <button type="button" onClick={pages.previous} disabled={pages.previous === undefined}>
        Previous page
      </button>
      <span>Page {pages.pageNumber}</span>
      <button type="button" onClick={pages.next} disabled={pages.next === undefined}>
        Next page
      </button>
    </nav>
  );
}
