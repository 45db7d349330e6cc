import {
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  Stack,
  TextField,
} from "@mui/material";
import type { ColumnType, ColumnTypeInput, WriteMode } from "../../gql/types";

export type OptionsState = {
  mode: WriteMode;
  timestampColumn: string;
  sheet: string;
  delimiter: string;
  columnTypes: string;
};

const REQUESTABLE: readonly ColumnType[] = ["LONG", "DOUBLE", "STRING"];

/** "zip=STRING, id=LONG" as column types, or the first piece that is not COLUMN=TYPE. */
export function parseColumnTypes(
  text: string,
): { types: ColumnTypeInput[]; problem: null } | { types: null; problem: string } {
  const types: ColumnTypeInput[] = [];
  for (const piece of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = piece.lastIndexOf("=");
    const column = piece.slice(0, at).trim();
    const type = piece
      .slice(at + 1)
      .trim()
      .toUpperCase() as ColumnType;
    if (at < 1 || !REQUESTABLE.includes(type)) {
      return { types: null, problem: `"${piece}" is not COLUMN=LONG, DOUBLE or STRING.` };
    }
    types.push({ column, type });
  }
  return { types, problem: null };
}

export function IngestOptionsFields({
  value,
  onChange,
  showSheet,
  showDelimiter,
}: {
  value: OptionsState;
  onChange: (next: OptionsState) => void;
  showSheet: boolean;
  showDelimiter: boolean;
}) {
  const columnTypes = parseColumnTypes(value.columnTypes);
  const bind = (key: "timestampColumn" | "delimiter" | "sheet" | "columnTypes") => ({
    text: value[key],
    onText: (text: string) => onChange({ ...value, [key]: text }),
  });
  return (
    <Stack spacing={2}>
      <FormControl>
        <FormLabel id="write-mode-label">When the dataset already has data</FormLabel>
        <RadioGroup
          row
          aria-labelledby="write-mode-label"
          value={value.mode}
          onChange={(event) => onChange({ ...value, mode: event.target.value as WriteMode })}
        >
          <FormControlLabel value="APPEND" control={<Radio />} label="Append rows" />
          <FormControlLabel
            value="REPLACE"
            control={<Radio />}
            label="Replace data in the file's time range"
          />
        </RadioGroup>
      </FormControl>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <TextOption
          label="Timestamp column"
          helperText="Leave empty to detect it from the data."
          {...bind("timestampColumn")}
        />
        {showDelimiter && (
          <TextOption
            label="Delimiter (CSV)"
            helperText="Leave empty to detect it. Type \t for tab."
            maxLength={2}
            {...bind("delimiter")}
          />
        )}
        {showSheet && (
          <TextOption
            label="Sheet (XLSX)"
            helperText="Leave empty to read the first sheet."
            {...bind("sheet")}
          />
        )}
      </Stack>
      <TextOption
        label="Column types"
        helperText={
          columnTypes.problem ??
          "Optional, e.g. zip=LONG, id=STRING. Sluice keeps codes like 00501 and very long " +
            "numbers as text so they stay exact; LONG or DOUBLE makes them numbers anyway."
        }
        error={columnTypes.problem !== null}
        {...bind("columnTypes")}
      />
    </Stack>
  );
}

/** A free-text option, typed as is (no spelling checks); empty lets Sluice decide. */
function TextOption({
  label,
  helperText,
  maxLength,
  error,
  text,
  onText,
}: {
  label: string;
  helperText: string;
  maxLength?: number;
  error?: boolean;
  text: string;
  onText: (text: string) => void;
}) {
  return (
    <TextField
      label={label}
      value={text}
      onChange={(event) => onText(event.target.value)}
      helperText={helperText}
      error={error}
      fullWidth
      slotProps={{ htmlInput: { spellCheck: false, maxLength } }}
    />
  );
}
