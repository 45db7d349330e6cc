import { gql } from "@apollo/client";
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle } from "@mui/material";
import { useState, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { describeError } from "../../components/errors";

/** What a task action (rollback, delete) answers: the task it queued, or why not. */
export const TASK_ACTION_OUTCOME = gql`
  fragment TaskActionOutcome on TaskActionResult {
    __typename
    ... on IngestionTask {
      id
      kind
      status
    }
    ... on TaskActionRejected {
      code
      message
    }
  }
`;

/** The part of any task action's answer this component reads. */
export type TaskActionOutcome =
  | { __typename: "IngestionTask"; id: string }
  | { __typename: "TaskActionRejected"; message: string };

/**
 * A button that asks in a dialog before running a task action, then opens the page of the
 * task it queued (followed live there); a refusal is shown with its reason. The dialog's
 * body is `children`; `canConfirm` false keeps the confirming button disabled.
 */
export function ConfirmedTaskAction({
  label,
  busyLabel,
  title,
  confirmLabel,
  refusal,
  testId,
  color,
  canConfirm = true,
  onClose,
  run,
  children,
}: {
  label: string;
  busyLabel: string;
  title: ReactNode;
  confirmLabel: string;
  refusal: string;
  testId: string;
  color: "warning" | "error";
  canConfirm?: boolean;
  onClose?: () => void;
  run: () => Promise<TaskActionOutcome | null | undefined>;
  children: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const navigate = useNavigate();

  const close = () => {
    setAsking(false);
    onClose?.();
  };
  const confirm = async () => {
    close();
    setProblem(null);
    setBusy(true);
    try {
      const outcome = await run();
      if (!outcome) setProblem("The server did not answer.");
      else if (outcome.__typename === "TaskActionRejected") setProblem(outcome.message);
      else navigate(`/tasks/${outcome.id}`);
    } catch (caught) {
      setProblem(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        variant="outlined"
        color={color}
        onClick={() => setAsking(true)}
        disabled={busy}
        data-testid={testId}
      >
        {busy ? busyLabel : label}
      </Button>
      {problem && (
        <Alert severity="warning" role="alert" data-testid={`${testId}-problem`}>
          {refusal}: {problem}
        </Alert>
      )}
      <Dialog open={asking} onClose={close}>
        <DialogTitle>{title}</DialogTitle>
        <DialogContent>{children}</DialogContent>
        <DialogActions>
          <Button onClick={close}>Keep it</Button>
          <Button
            color={color}
            variant="contained"
            onClick={confirm}
            disabled={!canConfirm}
            data-testid={`${testId}-confirm`}
          >
            {confirmLabel}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
