import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "../../components/States";

/** What a query has so far: its error (with a retry), a spinner until its first answer, then
 * `children` with the data (kept on screen while a refetch runs). */
export function Loaded<T>({
  query,
  what,
  children,
}: {
  query: { data?: T; error?: unknown; refetch: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  const { data, error, refetch } = query;
  if (error) {
    const retry = () => void refetch();
    return <ErrorNotice title={`Could not load the ${what}`} error={error} onRetry={retry} />;
  }
  return data === undefined ? <Loading label={`Loading ${what}…`} /> : children(data);
}
