import { Box, Card, CardContent, LinearProgress, Link, Stack, Typography } from "@mui/material";
import { useEffect, type ReactNode } from "react";
import { Link as RouterLink, useParams } from "react-router";
import { ActionButton } from "../../components/ActionButton";
import { PageCrumbs } from "../../components/PageCrumbs";
import { ItemFallback } from "../../components/States";
import { formatBytes, formatDateTime } from "../../format";
import { CANCEL_TASK } from "../../operations/cancelTask";
import { useTask } from "../../operations/task";
import { useTaskUpdates } from "../../operations/taskUpdates";
import { useAction } from "../../operations/useAction";
import { FailurePanel } from "./FailurePanel";
import { QuarantinePanel } from "./QuarantinePanel";
import { RollbackPanel } from "./RollbackPanel";
import { RowAccounting } from "./RowAccounting";
import { TypeChangeAction } from "./SchemaChanges";
import { EventLog, StageTimeline } from "./StageTimeline";
import { StatusChip } from "./StatusChip";
import { ValidationReport } from "./ValidationReport";
import { STATUS_DESCRIPTION, isTerminal, progressPercent } from "./taskStatus";

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <Card component="section" aria-labelledby={id}>
      <CardContent>
        <Typography id={id} variant="h6" component="h2" gutterBottom>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

export function TaskPage() {
  const { id = "" } = useParams();
  const query = useTask(id);
  const { refetch } = query;
  const task = query.data?.task ?? null;
  useTaskUpdates(id, { skip: !task || isTerminal(task.status) });
  // The live updates leave the quarantined rows out (they are read from S3); fetch them once
  // when the task, followed live, turns out to have some.
  const quarantineMissing = Boolean(
    task?.hasQuarantine &&
    task.quarantinePreview.length === 0 &&
    task.quarantineUrl?.__typename !== "QuarantineUnavailable",
  );
  useEffect(() => {
    if (quarantineMissing) void refetch();
  }, [quarantineMissing, refetch]);
  const cancelling = useAction(CANCEL_TASK, (data) => data.cancelTask);

  if (!task)
    return (
      <ItemFallback query={query} noun="task" list="/tasks">
        There is no task with id “{id}”. It may have been removed.
      </ItemFallback>
    );

  return (
    <Stack spacing={3}>
      <PageCrumbs list="/tasks" label="Tasks" current={task.filename} />

      <Stack
        direction={{ xs: "column", sm: "row" }}
        spacing={2}
        sx={{ alignItems: { sm: "center" }, justifyContent: "space-between" }}
      >
        <Box sx={{ minWidth: 0 }}>
          <Stack
            direction="row"
            spacing={1.5}
            useFlexGap
            sx={{ alignItems: "center", flexWrap: "wrap" }}
          >
            <Typography variant="h4" component="h1" sx={{ overflowWrap: "anywhere" }}>
              {task.filename}
            </Typography>
            <StatusChip status={task.status} size="medium" />
          </Stack>
          <Typography color="text.secondary" sx={{ mt: 0.5 }}>
            {formatBytes(task.sizeBytes)} into{" "}
            <Link component={RouterLink} to={`/datasets/${encodeURIComponent(task.datasource)}`}>
              {task.datasource}
            </Link>{" "}
            ({task.mode === "REPLACE" ? "replace" : "append"}) · started{" "}
            {formatDateTime(task.createdAt)}
            {task.druidTaskId && (
              <>
                {" "}
                · Druid task <code>{task.druidTaskId}</code>
              </>
            )}
          </Typography>
        </Box>
        {!isTerminal(task.status) && (
          <ActionButton
            busy={cancelling.loading}
            busyLabel="Cancelling…"
            onClick={() => void cancelling.run({ id: task.id })}
          >
            Cancel task
          </ActionButton>
        )}
      </Stack>
      {cancelling.problem && (
        <Typography color="error" role="alert">
          Could not cancel: {cancelling.problem}
        </Typography>
      )}

      <FailurePanel task={task} />
      <TypeChangeAction task={task} />
      <RollbackPanel task={task} />
      {task.kind === "ROLLBACK" && task.targetTaskId && (
        <Typography variant="body2">
          Rolls back{" "}
          <Link component={RouterLink} to={`/tasks/${task.targetTaskId}`}>
            this upload
          </Link>
          {task.rowsRemoved != null && <> · {task.rowsRemoved.toLocaleString()} rows removed</>}
        </Typography>
      )}

      <Section title="Stages">
        <StageTimeline task={task} />
        {!isTerminal(task.status) && (
          <Box sx={{ mt: 2 }}>
            <LinearProgress
              variant="determinate"
              value={progressPercent(task.progress)}
              aria-label="Progress of the current stage"
            />
            <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }} aria-live="polite">
              {STATUS_DESCRIPTION[task.status]}… {progressPercent(task.progress)}%
            </Typography>
          </Box>
        )}
      </Section>

      <Section title="Rows">
        <RowAccounting task={task} />
      </Section>

      {task.hasQuarantine && (
        <Section title="Quarantined rows">
          <QuarantinePanel task={task} />
        </Section>
      )}

      <Section title="Validation report">
        <ValidationReport profile={task.profile} />
      </Section>

      <Section title="Events">
        <EventLog events={task.events} />
      </Section>
    </Stack>
  );
}
