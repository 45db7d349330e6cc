import { Alert, AlertTitle, Box, Button, CircularProgress, Stack, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router";
import { describeError } from "./errors";

export function Loading({ label }: { label: string }) {
  return (
    <Stack
      direction="row"
      spacing={2}
      sx={{ py: 4, alignItems: "center" }}
      role="status"
      aria-live="polite"
    >
      <CircularProgress size={24} aria-hidden />
      <Typography color="text.secondary">{label}</Typography>
    </Stack>
  );
}

export function ErrorNotice({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
}) {
  return (
    <Alert
      severity="error"
      role="alert"
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            Try again
          </Button>
        ) : undefined
      }
    >
      <AlertTitle>{title}</AlertTitle>
      {describeError(error)}
    </Alert>
  );
}

/** Where an empty page leads: the next step (contained) or back to a list (outlined). */
export type EmptyStateLink = { to: string; label: string; variant?: "contained" | "outlined" };

/** A page or list with nothing to show; `link` or (for anything else) `action` offers a way on. */
export function EmptyState({
  title,
  children,
  link,
  action,
}: {
  title: string;
  children?: ReactNode;
  link?: EmptyStateLink;
  action?: ReactNode;
}) {
  return (
    <Box
      sx={{
        textAlign: "center",
        py: 6,
        px: 2,
        border: 1,
        borderColor: "divider",
        borderStyle: "dashed",
        borderRadius: 2,
      }}
    >
      <Typography variant="h6" component="p" gutterBottom>
        {title}
      </Typography>
      {children && (
        <Typography color="text.secondary" sx={{ mb: link || action ? 2 : 0 }}>
          {children}
        </Typography>
      )}
      {link && (
        <Button component={RouterLink} to={link.to} variant={link.variant ?? "contained"}>
          {link.label}
        </Button>
      )}
      {action}
    </Box>
  );
}

/** What a page about one thing needs from the query that fetches it. */
type ItemQuery = { loading: boolean; error?: unknown; refetch: () => Promise<unknown> };

/**
 * What a page about one thing (a task, a dataset) shows while it does not have it: the
 * loading state, the error with a retry, or "not found" with the way back to the list.
 * `children` says why the thing may be missing.
 */
export function ItemFallback({
  query,
  noun,
  list,
  children,
}: {
  query: ItemQuery;
  noun: string;
  list: string;
  children: ReactNode;
}) {
  if (query.loading) return <Loading label={`Loading the ${noun}…`} />;
  if (query.error)
    return (
      <ErrorNotice
        title={`Could not load this ${noun}`}
        error={query.error}
        onRetry={() => void query.refetch()}
      />
    );
  const title = `${noun.charAt(0).toUpperCase()}${noun.slice(1)} not found`;
  return (
    <EmptyState title={title} link={{ to: list, label: `All ${noun}s`, variant: "outlined" }}>
      {children}
    </EmptyState>
  );
}
