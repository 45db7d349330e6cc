import {
  FormControl,
  FormControlLabel,
  FormLabel,
  Radio,
  RadioGroup,
  Stack,
  TextField,
} from "@mui/material";
import type { WriteMode } from "../../gql/types";

export type OptionsState = {
  mode: WriteMode;
  timestampColumn: string;
  sheet: string;
  delimiter: string;
};

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
  const bind = (key: "timestampColumn" | "delimiter" | "sheet") => ({
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
    </Stack>
  );
}

/** A free-text option, typed as is (no spelling checks); empty lets Sluice decide. */
function TextOption({
  label,
  helperText,
  maxLength,
  text,
  onText,
}: {
  label: string;
  helperText: string;
  maxLength?: number;
  text: string;
  onText: (text: string) => void;
}) {
  return (
    <TextField
      label={label}
      value={text}
      onChange={(event) => onText(event.target.value)}
      helperText={helperText}
      fullWidth
      slotProps={{ htmlInput: { spellCheck: false, maxLength } }}
    />
  );
}
