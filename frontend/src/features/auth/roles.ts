import type { Choice } from "../../components/SelectField";
import type { Role } from "../../gql/types";

/** Viewer reads; editor also uploads, retries, cancels; admin also manages members and tokens. */
export const ROLE_CHOICES: readonly Choice<Role>[] = [
  { value: "VIEWER", label: "viewer" },
  { value: "EDITOR", label: "editor" },
  { value: "ADMIN", label: "admin" },
];
