import { Chip } from "@mui/material";
import type { TaskStatus } from "../../gql/types";
import { STATUS_DESCRIPTION, STATUS_LABEL, statusColor } from "./taskStatus";

export function StatusChip({
  status,
  size = "small",
}: {
  status: TaskStatus;
  size?: "small" | "medium";
}) {
  return (
    <Chip
      label={STATUS_LABEL[status]}
      color={statusColor(status)}
      size={size}
      title={STATUS_DESCRIPTION[status]}
      data-status={status}
      data-testid="task-status"
      variant={status === "QUEUED" || status === "CANCELLED" ? "outlined" : "filled"}
    />
  );
}
