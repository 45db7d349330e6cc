import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle } from "@mui/material";
import { useState, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { ActionButton } from "../../components/ActionButton";

/**
 * A button that asks in a dialog before starting a task action (roll back an upload, delete a
 * dataset), then opens the page of the task it queued, followed live there; a refusal is
 * shown with its reason. `action` is the caller's `useAction` (its state), `start` runs it;
 * the dialog's body is `children`, and `canConfirm` false keeps the confirming button off.
 */
export function ConfirmedTaskAction({
  action,
  start,
  label,
  busyLabel,
  title,
  confirmLabel,
  failedLabel,
  testId,
  color,
  canConfirm = true,
  onClose,
  children,
}: {
  action: { loading: boolean; problem: string | null };
  start: () => Promise<{ id: string } | null>;
  label: string;
  busyLabel: string;
  title: ReactNode;
  confirmLabel: string;
  failedLabel: string;
  testId: string;
  color: "warning" | "error";
  canConfirm?: boolean;
  onClose?: () => void;
  children: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const navigate = useNavigate();
  const close = () => {
    setAsking(false);
    onClose?.();
  };
  const confirm = async () => {
    close();
    const task = await start();
    if (task) navigate(`/tasks/${task.id}`);
  };

  return (
    <>
      <ActionButton
        busy={action.loading}
        busyLabel={busyLabel}
        color={color}
        onClick={() => setAsking(true)}
        data-testid={testId}
      >
        {label}
      </ActionButton>
      {action.problem && (
        <Alert severity="warning" role="alert" data-testid={`${testId}-problem`}>
          {failedLabel}: {action.problem}
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
