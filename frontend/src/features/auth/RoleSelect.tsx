import { MenuItem, TextField, type TextFieldProps } from "@mui/material";
import type { Role } from "../../gql/types";

export const ROLES: readonly Role[] = ["VIEWER", "EDITOR", "ADMIN"];

/** A role picker: viewer reads; editor also uploads, retries, cancels; admin also manages. */
export function RoleSelect({
  value,
  onChange,
  ...field
}: { value: Role; onChange: (role: Role) => void } & Omit<
  TextFieldProps,
  "value" | "onChange" | "select"
>) {
  return (
    <TextField {...field} select value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((role) => (
        <MenuItem key={role} value={role}>
          {role.toLowerCase()}
        </MenuItem>
      ))}
    </TextField>
  );
}
