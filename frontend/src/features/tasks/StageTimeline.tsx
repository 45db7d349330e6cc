import { Box, Step, StepLabel, Stepper, Typography, useMediaQuery, useTheme } from "@mui/material";
import { formatDateTime, formatDuration } from "../../format";
import type { TaskDetailFragment, TaskStatus } from "../../gql/types";
import { PIPELINE, STATUS_DESCRIPTION, STATUS_LABEL } from "./taskStatus";

type Events = TaskDetailFragment["events"];

/** The stage a failed or cancelled task stopped in. */
function stoppedAt(
  task: Pick<TaskDetailFragment, "status" | "error" | "events">,
): TaskStatus | null {
  if (task.status !== "FAILED" && task.status !== "CANCELLED") return null;
  if (task.error?.stage) return task.error.stage;
  const reached = task.events.map((e) => e.status).filter((s) => PIPELINE.includes(s));
  return reached.length ? reached[reached.length - 1] : "QUEUED";
}

function firstAt(events: Events, status: TaskStatus): string | null {
  return events.find((event) => event.status === status)?.at ?? null;
}

/** Time spent in a stage: from its first event to the first event of a later stage. */
function stageDuration(events: Events, status: TaskStatus): number | null {
  const start = firstAt(events, status);
  if (!start) return null;
  const started = Date.parse(start);
  const later = events.find((event) => event.status !== status && Date.parse(event.at) > started);
  return later ? Date.parse(later.at) - started : null;
}

/** QUEUED → … → SUCCEEDED as a stepper, with when each stage started and how long it took. */
export function StageTimeline({
  task,
}: {
  task: Pick<TaskDetailFragment, "status" | "error" | "events">;
}) {
  const theme = useTheme();
  const narrow = useMediaQuery(theme.breakpoints.down("md"));
  const stopped = stoppedAt(task);
  const current = stopped ?? task.status;
  const activeStep = PIPELINE.indexOf(current);

  return (
    <Stepper
      activeStep={task.status === "SUCCEEDED" ? PIPELINE.length : activeStep}
      orientation={narrow ? "vertical" : "horizontal"}
      alternativeLabel={!narrow}
      aria-label="Stages"
    >
      {PIPELINE.map((status, index) => {
        const at = firstAt(task.events, status);
        const duration = stageDuration(task.events, status);
        const failedHere = stopped === status && task.status === "FAILED";
        const cancelledHere = stopped === status && task.status === "CANCELLED";
        return (
          <Step
            key={status}
            completed={index < activeStep || task.status === "SUCCEEDED"}
            data-testid={`stage-${status}`}
          >
            <StepLabel
              error={failedHere}
              optional={
                <Box component="span" sx={{ display: "block" }}>
                  <Typography
                    variant="caption"
                    color={failedHere ? "error" : "text.secondary"}
                    component="span"
                    sx={{ display: "block" }}
                  >
                    {failedHere
                      ? "failed here"
                      : cancelledHere
                        ? "cancelled here"
                        : at
                          ? formatDateTime(at)
                          : index > activeStep
                            ? "not reached"
                            : ""}
                  </Typography>
                  {duration != null && (
                    <Typography
                      variant="caption"
                      color="text.secondary"
                      component="span"
                      sx={{ display: "block" }}
                    >
                      {formatDuration(duration)}
                    </Typography>
                  )}
                </Box>
              }
            >
              <span title={STATUS_DESCRIPTION[status]}>{STATUS_LABEL[status]}</span>
            </StepLabel>
          </Step>
        );
      })}
    </Stepper>
  );
}

export function EventLog({ events }: { events: Events }) {
  if (events.length === 0) return <Typography color="text.secondary">No events yet.</Typography>;
  return (
    <Box component="ol" sx={{ m: 0, pl: 0, listStyle: "none" }} aria-label="Task events">
      {events.map((event, index) => (
        <Box
          component="li"
          key={`${event.at}-${index}`}
          sx={{
            display: "grid",
            gridTemplateColumns: { xs: "1fr", sm: "190px 110px 1fr" },
            gap: { xs: 0, sm: 2 },
            py: 0.75,
            borderBottom: 1,
            borderColor: "divider",
          }}
        >
          <Typography variant="body2" color="text.secondary" component="span">
            {formatDateTime(event.at)}
          </Typography>
          <Typography variant="body2" component="span" sx={{ fontWeight: 500 }}>
            {STATUS_LABEL[event.status]}
          </Typography>
          <Typography variant="body2" component="span" sx={{ overflowWrap: "anywhere" }}>
            {event.message ?? STATUS_DESCRIPTION[event.status]}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}
