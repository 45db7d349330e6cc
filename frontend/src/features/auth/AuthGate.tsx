import type { ReactNode } from "react";
import { ErrorNotice, Loading } from "../../components/States";
import { useMe } from "../../operations/me";
import { SessionContext, isSignedOut } from "./session";
import { SignInPage } from "./SignInPage";

/** Shows the sign-in page until a session exists; then the app, with the session in context. */
export function AuthGate({ children }: { children: ReactNode }) {
  const { data, error, loading, refetch } = useMe();
  if (loading && !data) return <Loading label="Checking your session…" />;
  if (error && isSignedOut(error)) return <SignInPage />;
  if (error || !data) {
    return (
      <ErrorNotice
        title="Could not check your session"
        error={error}
        onRetry={() => void refetch()}
      />
    );
  }
  return <SessionContext.Provider value={data.me}>{children}</SessionContext.Provider>;
}
