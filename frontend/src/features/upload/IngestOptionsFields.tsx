import {
  FormControl,
  FormControlLabel,
  FormHelperText,
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
        <TextField
          label="Timestamp column"
          value={value.timestampColumn}
          onChange={(event) => onChange({ ...value, timestampColumn: event.target.value })}
          helperText="Leave empty to detect it from the data."
          fullWidth
          slotProps={{ htmlInput: { spellCheck: false } }}
        />
        {showDelimiter && (
          <TextField
            label="Delimiter (CSV)"
            value={value.delimiter}
            onChange={(event) => onChange({ ...value, delimiter: event.target.value })}
            helperText="Leave empty to detect it. Type \t for tab."
            fullWidth
            slotProps={{ htmlInput: { spellCheck: false, maxLength: 2 } }}
          />
        )}
        {showSheet && (
          <FormControl fullWidth>
            <TextField
              label="Sheet (XLSX)"
              value={value.sheet}
              onChange={(event) => onChange({ ...value, sheet: event.target.value })}
              slotProps={{ htmlInput: { spellCheck: false } }}
            />
            <FormHelperText>Leave empty to read the first sheet.</FormHelperText>
          </FormControl>
        )}
      </Stack>
    </Stack>
  );
}
