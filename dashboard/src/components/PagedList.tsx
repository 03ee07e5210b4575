// One page of an API list in a panel: loading, the read's error, the empty text or the rows, and the pager.
import type { ReactNode } from 'react';
import type { CursorPages } from '../api/query';
import { Empty, ErrorMessage, Loading } from './feedback';
import { Pager } from './Pager';

export function PagedList<T>({
  pages,
  loadingWhat,
  errorTitle,
  actionError,
  empty,
  pagerLabel,
  children,
}: {
  pages: CursorPages<T>;
  /** Shown as "Loading …" while the first page is read; nothing without it. */
  loadingWhat?: string;
  errorTitle?: string;
  /** The error of an action on the rows (a revoke), under the read's. */
  actionError?: unknown;
  empty: ReactNode;
  /** Names the pager ("Pages of …"); no pager without it. */
  pagerLabel?: string;
  /** The rows of the page, never empty. */
  children: (rows: T[]) => ReactNode;
}) {
  const rows = pages.query.data?.data;
  return (
    <>
      {loadingWhat !== undefined && pages.query.isPending ? <Loading what={loadingWhat} /> : null}
      <ErrorMessage error={pages.query.error} title={errorTitle} />
      <ErrorMessage error={actionError} />
      {rows?.length === 0 ? <Empty>{empty}</Empty> : null}
      {rows !== undefined && rows.length > 0 ? children(rows) : null}
      {pagerLabel === undefined ? null : <Pager pages={pages} label={pagerLabel} />}
    </>
  );
}
