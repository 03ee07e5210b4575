// The frame of a screen about one object the API answers by id: loading, the error under the screen's name, then
// the object's heading and panels.
import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ErrorMessage, Loading } from './feedback';
import { usePageTitle } from './usePageTitle';

export function DetailScreen<T>({
  query,
  name,
  loadingWhat,
  pageTitle,
  heading,
  children,
}: {
  query: UseQueryResult<T>;
  /** The screen's name, heading it while the object is not read ("Agent"). */
  name: string;
  /** What is loading, in words ("the agent"). */
  loadingWhat: string;
  /** The document title once the object is read; the name until then (and without it). */
  pageTitle?: (object: T) => string;
  heading: (object: T) => ReactNode;
  children: (object: T) => ReactNode;
}) {
  usePageTitle(query.data === undefined || pageTitle === undefined ? name : pageTitle(query.data));
  if (query.isPending) return <Loading what={loadingWhat} />;
  if (query.isError) {
    return (
      <>
        <h1>{name}</h1>
        <ErrorMessage error={query.error} />
      </>
    );
  }
  return (
    <>
      <h1>{heading(query.data)}</h1>
      {children(query.data)}
    </>
  );
}
