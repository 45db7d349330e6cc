import { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";
import { createContext, useContext } from "react";
import type { MeFieldsFragment } from "../../gql/types";

/** Who is signed in, for the components under <AuthGate>. */
export const SessionContext = createContext<MeFieldsFragment | null>(null);

export function useSession(): MeFieldsFragment {
  const me = useContext(SessionContext);
  if (!me) throw new Error("useSession outside <AuthGate>");
  return me;
}

/** True when the API says nobody is signed in (or the session ended). */
export function isSignedOut(error: unknown): boolean {
  if (ServerError.is(error)) return error.statusCode === 401;
  if (!CombinedGraphQLErrors.is(error)) return false;
  return error.errors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

/** A fresh page: the live connection and the cache start over as the new identity. */
export function reloadAs(path = "/"): void {
  window.location.assign(path);
}
