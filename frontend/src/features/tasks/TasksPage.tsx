import {
  Alert,
  AlertTitle,
  Autocomplete,
  Box,
  Button,
  Chip,
  LinearProgress,
  Link,
  MenuItem,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { useApolloClient } from "@apollo/client/react";
import { useCallback, useMemo } from "react";
import { Link as RouterLink, useSearchParams } from "react-router";
import { DataTable, type Column } from "../../components/DataTable";
import { EmptyState, ErrorNotice, Loading } from "../../components/States";
import { errorHeadline } from "../../components/errors";
import { formatBytes, formatCount, formatDateTime } from "../../format";
import type { TaskStatus, TaskSummaryFragment, TasksQueryVariables } from "../../gql/types";
import { useDatasources } from "../../operations/datasources";
import { useTaskFeed } from "../../operations/taskFeed";
import { TASKS, TASKS_PAGE_SIZE, useTasks } from "../../operations/tasks";
import { StatusChip } from "./StatusChip";
import { isTerminal, progressPercent } from "./taskStatus";

/** Status filters a person thinks in, mapped to the API's statuses. */
const STATUS_FILTERS: Record<string, { label: string; statuses: TaskStatus[] | null }> = {
  all: { label: "All", statuses: null },
  active: {
    label: "In progress",
    statuses: ["QUEUED", "VALIDATING", "STAGING", "SUBMITTING", "INGESTING", "PUBLISHING"],
  },
  succeeded: { label: "Succeeded", statuses: ["SUCCEEDED"] },
  failed: { label: "Failed", statuses: ["FAILED"] },
  cancelled: { label: "Cancelled", statuses: ["CANCELLED"] },
};

const TASK_COLUMNS: Column[] = [
  { label: "File" },
  { label: "Dataset", hideBelow: "md" },
  { label: "Status" },
  { label: "Rows", align: "right", hideBelow: "sm" },
  { label: "Started", hideBelow: "md" },
];

function matches(task: TaskSummaryFragment, variables: TasksQueryVariables): boolean {
  const statuses = variables.status as TaskStatus[] | null | undefined;
  return (
    (!statuses || statuses.includes(task.status)) &&
    (!variables.datasource || variables.datasource === task.datasource)
  );
}

/**
 * Tasks stream in from `taskFeed`: known ones update in place (the cache is
 * normalized by id), new ones matching the filters are put on top of the list.
 */
function useLiveTaskList(variables: TasksQueryVariables) {
  const client = useApolloClient();
  const onTask = useCallback(
    (task: TaskSummaryFragment) => {
      client.cache.updateQuery(
        { query: TASKS, variables: { first: TASKS_PAGE_SIZE, ...variables } },
        (data) => {
          if (!data || data.tasks.__typename !== "TaskPage") return undefined;
          const page = data.tasks;
          if (page.items.some((item) => item.id === task.id) || !matches(task, variables))
            return undefined;
          return { ...data, tasks: { ...page, items: [task, ...page.items] } };
        },
      );
    },
    [client, variables],
  );
  return useTaskFeed(onTask);
}

export function TasksPage() {
  const [params, setParams] = useSearchParams();
  const filterKey = params.get("status") ?? "all";
  const datasource = params.get("dataset") ?? "";
  const variables = useMemo<TasksQueryVariables>(
    () => ({ status: STATUS_FILTERS[filterKey]?.statuses ?? null, datasource: datasource || null }),
    [filterKey, datasource],
  );
  const list = useTasks(variables);
  const feed = useLiveTaskList(variables);
  const datasets = useDatasources();
  const datasetNames = useMemo(
    () => (datasets.data?.datasources ?? []).map((d) => d.name),
    [datasets.data],
  );

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value && value !== "all") next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const result = list.data?.tasks;
  const page = result?.__typename === "TaskPage" ? result : undefined;
  const loadMore = () =>
    void list.fetchMore({
      variables: { ...variables, first: TASKS_PAGE_SIZE, after: page?.nextCursor },
    });

  return (
    <Stack spacing={3}>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: "center", flexWrap: "wrap" }}>
        <Typography variant="h4" component="h1">
          Tasks
        </Typography>
        <Chip
          size="small"
          variant="outlined"
          color={feed.error ? "warning" : "success"}
          label={feed.error ? "Live updates paused, reconnecting" : "Live"}
          data-testid="feed-state"
        />
      </Stack>

      <Stack
        direction={{ xs: "column", sm: "row" }}
        spacing={2}
        component="form"
        aria-label="Filter tasks"
        onSubmit={(e) => e.preventDefault()}
      >
        <TextField
          select
          label="Status"
          value={STATUS_FILTERS[filterKey] ? filterKey : "all"}
          onChange={(event) => setParam("status", event.target.value)}
          sx={{ minWidth: 180 }}
        >
          {Object.entries(STATUS_FILTERS).map(([key, filter]) => (
            <MenuItem key={key} value={key}>
              {filter.label}
            </MenuItem>
          ))}
        </TextField>
        <Autocomplete
          options={datasetNames}
          value={datasource || null}
          onChange={(_, value) => setParam("dataset", value ?? "")}
          sx={{ minWidth: 240, flex: { sm: "0 1 320px" } }}
          renderInput={(p) => <TextField {...p} label="Dataset" placeholder="All datasets" />}
        />
      </Stack>

      {list.error && !page && (
        <ErrorNotice
          title="Could not load tasks"
          error={list.error}
          onRetry={() => void list.refetch()}
        />
      )}
      {result && result.__typename !== "TaskPage" && (
        <Alert
          severity="warning"
          role="alert"
          action={
            <Button
              color="inherit"
              size="small"
              onClick={() =>
                void list.refetch({ ...variables, first: TASKS_PAGE_SIZE, after: null })
              }
            >
              Start again
            </Button>
          }
        >
          <AlertTitle>{errorHeadline(result.code)}</AlertTitle>
          {result.message}
        </Alert>
      )}
      {!page && list.loading && <Loading label="Loading tasks…" />}
      {page && page.items.length === 0 && (
        <EmptyState
          title={
            variables.status || variables.datasource
              ? "No tasks match these filters"
              : "No tasks yet"
          }
          link={{ to: "/", label: "Upload a file" }}
        >
          New uploads appear here as soon as they start.
        </EmptyState>
      )}
      {page && page.items.length > 0 && (
        <DataTable label="Tasks" columns={TASK_COLUMNS} testId="task-list">
          {page.items.map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </DataTable>
      )}
      {page?.nextCursor && (
        <Box>
          <Button onClick={loadMore} variant="outlined" disabled={list.loading}>
            Load more
          </Button>
        </Box>
      )}
    </Stack>
  );
}

function TaskRow({ task }: { task: TaskSummaryFragment }) {
  return (
    <TableRow hover data-testid="task-row" data-task-id={task.id}>
      <TableCell sx={{ maxWidth: 320 }}>
        <Link
          component={RouterLink}
          to={`/tasks/${task.id}`}
          sx={{ fontWeight: 500, overflowWrap: "anywhere" }}
        >
          {task.filename}
        </Link>
        <Typography variant="caption" color="text.secondary" component="div">
          {formatBytes(task.sizeBytes)}
          <Box component="span" sx={{ display: { md: "none" } }}>
            {" "}
            · {task.datasource} · {formatDateTime(task.createdAt)}
          </Box>
        </Typography>
      </TableCell>
      <TableCell sx={{ display: { xs: "none", md: "table-cell" }, overflowWrap: "anywhere" }}>
        {task.datasource}
      </TableCell>
      <TableCell sx={{ minWidth: 120 }}>
        <StatusChip status={task.status} />
        {!isTerminal(task.status) && (
          <LinearProgress
            variant="determinate"
            value={progressPercent(task.progress)}
            sx={{ mt: 0.5 }}
            aria-label={`Progress of ${task.filename}`}
          />
        )}
        {task.status === "FAILED" && task.error && (
          <Typography
            variant="caption"
            color="error"
            component="div"
            title={task.error.message}
            sx={{
              maxWidth: 260,
              display: "-webkit-box",
              WebkitLineClamp: 2,
              WebkitBoxOrient: "vertical",
              overflow: "hidden",
            }}
          >
            {task.error.message}
          </Typography>
        )}
      </TableCell>
      <TableCell align="right" sx={{ display: { xs: "none", sm: "table-cell" } }}>
        {task.rowsIngested != null ? formatCount(task.rowsIngested) : formatCount(task.rowsTotal)}
      </TableCell>
      <TableCell sx={{ display: { xs: "none", md: "table-cell" }, whiteSpace: "nowrap" }}>
        {formatDateTime(task.createdAt)}
      </TableCell>
    </TableRow>
  );
}
