import { MenuItem, TextField, type TextFieldProps } from "@mui/material";

export type Choice<T extends string> = { value: T; label: string };

/** Choices whose label is the value itself (column names, dataset names). */
export function plainChoices(values: readonly string[]): Choice<string>[] {
  return values.map((value) => ({ value, label: value }));
}

/** A drop-down of fixed choices; the TextField props given pass through. */
export function SelectField<T extends string>({
  choices,
  value,
  onChange,
  ...field
}: Pick<TextFieldProps, "label" | "disabled" | "required" | "size" | "sx" | "slotProps"> & {
  choices: readonly Choice<T>[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <TextField select value={value} onChange={(e) => onChange(e.target.value as T)} {...field}>
      {choices.map((choice) => (
        <MenuItem key={choice.value} value={choice.value}>
          {choice.label}
        </MenuItem>
      ))}
    </TextField>
  );
}
