import { Autocomplete, TextField } from "@mui/material";
import { useMemo, useState } from "react";
import type { WriteMode } from "../../gql/types";
import { useCheckDatasourceName } from "../../operations/checkDatasourceName";
import { useDatasources } from "../../operations/datasources";
import { datasourceNameProblem } from "./datasourceName";
import { useDebounced } from "./useDebounced";

export type NameVerdict = { ok: boolean; checking: boolean };

/**
 * Validates the name as the person types: Druid's rules at once, then the server's
 * verdict (and whether the dataset already exists) once typing pauses.
 */
export function useDatasourceNameCheck(name: string) {
  const problem = datasourceNameProblem(name);
  const settled = useDebounced(name, 300);
  const pending = settled !== name;
  const check = useCheckDatasourceName(settled, { skip: datasourceNameProblem(settled) !== null });
  const verdict = pending || check.loading ? undefined : check.data?.checkDatasourceName;
  return {
    problem: problem ?? verdict?.problem?.message ?? null,
    exists: verdict?.exists ?? null,
    checking: problem === null && (pending || check.loading),
  };
}

export function DatasourceField({
  value,
  onChange,
  mode,
  check,
  showErrors,
}: {
  value: string;
  onChange: (name: string) => void;
  mode: WriteMode;
  check: ReturnType<typeof useDatasourceNameCheck>;
  showErrors: boolean;
}) {
  const [touched, setTouched] = useState(false);
  const datasets = useDatasources();
  const names = useMemo(
    () => (datasets.data?.datasources ?? []).map((d) => d.name),
    [datasets.data],
  );
  const showProblem = Boolean(check.problem) && (touched || showErrors || value !== "");

  let helper = "Letters, digits, dashes and spaces; no '/' and no leading dot.";
  if (showProblem) helper = check.problem ?? helper;
  else if (check.checking) helper = "Checking the name…";
  else if (check.exists === true)
    helper =
      mode === "REPLACE"
        ? `Replaces data in the existing dataset “${value}”.`
        : `Adds rows to the existing dataset “${value}”.`;
  else if (check.exists === false) helper = `Creates a new dataset “${value}”.`;

  return (
    <Autocomplete
      freeSolo
      options={names}
      inputValue={value}
      onInputChange={(_, next) => onChange(next)}
      loading={datasets.loading}
      renderInput={(params) => (
        <TextField
          {...params}
          label="Dataset name"
          required
          onBlur={() => setTouched(true)}
          error={showProblem}
          helperText={helper}
          slotProps={{
            ...params.slotProps,
            htmlInput: {
              ...params.slotProps.htmlInput,
              "data-testid": "datasource-input",
              spellCheck: false,
            },
          }}
        />
      )}
    />
  );
}
