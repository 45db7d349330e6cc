import AddIcon from "@mui/icons-material/Add";
import {
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { useState, type FormEvent } from "react";
import { SelectField, plainChoices, type Choice } from "../../components/SelectField";
import type { FilterInput } from "../../gql/types";
import { filterLabel } from "./dashboard";

type Condition = "equals" | "in" | "contains" | "range" | "isNull" | "isNotNull";

const CONDITIONS: Choice<Condition>[] = [
  { value: "equals", label: "equals" },
  { value: "in", label: "is one of" },
  { value: "contains", label: "contains" },
  { value: "range", label: "is between" },
  { value: "isNull", label: "is empty" },
  { value: "isNotNull", label: "is not empty" },
];

/** The one-of filter input for a condition, or a sentence saying what is missing. */
function buildFilter(
  column: string,
  op: Condition,
  value: string,
  max: string,
): FilterInput | string {
  if (!column) return "Choose a column.";
  switch (op) {
    case "equals":
    case "contains":
      if (value === "") return "Enter a value.";
      return op === "equals" ? { equals: { column, value } } : { contains: { column, value } };
    case "in": {
      const values = value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean);
      return values.length
        ? { in: { column, values } }
        : "Enter one or more values, separated by commas.";
    }
    case "range":
      if (value === "" && max === "") return "Enter a lower bound, an upper bound, or both.";
      return { range: { column, min: value || null, max: max || null } };
    case "isNull":
      return { isNull: { column } };
    case "isNotNull":
      return { isNotNull: { column } };
  }
}

/** The filters that apply to every panel, as removable chips, plus a way to add one. */
export function FilterBar({
  filters,
  columns,
  onAdd,
  onRemove,
  onClear,
}: {
  filters: FilterInput[];
  columns: string[];
  onAdd: (filter: FilterInput) => void;
  onRemove: (index: number) => void;
  onClear: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Stack
      direction="row"
      spacing={1}
      useFlexGap
      aria-label="Filters"
      role="group"
      sx={{ alignItems: "center", flexWrap: "wrap" }}
    >
      <Typography variant="body2" color="text.secondary">
        Filters:
      </Typography>
      {filters.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          none
        </Typography>
      )}
      {filters.map((filter, index) => (
        <Chip
          key={filterLabel(filter)}
          label={filterLabel(filter)}
          onDelete={() => onRemove(index)}
          color="primary"
          variant="outlined"
          data-testid="filter-chip"
          aria-label={`Filter ${filterLabel(filter)}. Press Delete to remove it.`}
        />
      ))}
      <Button size="small" startIcon={<AddIcon />} onClick={() => setOpen(true)}>
        Add filter
      </Button>
      {filters.length > 1 && (
        <Button size="small" color="inherit" onClick={onClear}>
          Clear all
        </Button>
      )}
      <AddFilterDialog
        open={open}
        columns={columns}
        onClose={() => setOpen(false)}
        onAdd={(filter) => {
          onAdd(filter);
          setOpen(false);
        }}
      />
    </Stack>
  );
}

function AddFilterDialog({
  open,
  columns,
  onClose,
  onAdd,
}: {
  open: boolean;
  columns: string[];
  onClose: () => void;
  onAdd: (filter: FilterInput) => void;
}) {
  const [column, setColumn] = useState("");
  const [op, setOp] = useState<Condition>("equals");
  const [value, setValue] = useState("");
  const [max, setMax] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const filter = buildFilter(column, op, value, max);
    if (typeof filter === "string") return setProblem(filter);
    setProblem(null);
    setValue("");
    setMax("");
    onAdd(filter);
  };

  const needsValue = op !== "isNull" && op !== "isNotNull";
  return (
    <Dialog
      open={open}
      onClose={onClose}
      fullWidth
      maxWidth="xs"
      aria-labelledby="add-filter-title"
    >
      <form onSubmit={submit} noValidate>
        <DialogTitle id="add-filter-title">Add a filter</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <SelectField
              label="Column"
              choices={plainChoices(columns)}
              value={column}
              onChange={setColumn}
              required
            />
            <SelectField label="Condition" choices={CONDITIONS} value={op} onChange={setOp} />
            {needsValue && (
              <TextField
                label={op === "range" ? "From" : op === "in" ? "Values (comma-separated)" : "Value"}
                value={value}
                onChange={(e) => setValue(e.target.value)}
              />
            )}
            {op === "range" && (
              <TextField label="To" value={max} onChange={(e) => setMax(e.target.value)} />
            )}
            {problem && (
              <Typography color="error" role="alert" variant="body2">
                {problem}
              </Typography>
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained">
            Add
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
