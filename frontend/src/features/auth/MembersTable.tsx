import { Button, TableCell, TableRow } from "@mui/material";
import { DataTable } from "../../components/DataTable";
import { SelectField } from "../../components/SelectField";
import type { Role } from "../../gql/types";
import { ROLE_CHOICES } from "./roles";

interface Member {
  email: string;
  role: Role;
}

const COLUMNS = [{ label: "E-mail" }, { label: "Role" }, { label: "" }];

/** One row a member: a role picker and a Remove button, except on `self`'s own row (nobody
 * demotes or removes themselves here and locks the workspace out). */
export function MembersTable({
  members,
  self,
  onRole,
  onRemove,
}: {
  members: readonly Member[];
  self: string | null;
  onRole: (member: Member) => void;
  onRemove: (email: string) => void;
}) {
  return (
    <DataTable label="Members" columns={COLUMNS}>
      {members.map(({ email, role }) => {
        const own = email === self;
        const picker = (
          <SelectField
            size="small"
            choices={ROLE_CHOICES}
            value={role}
            onChange={(next) => onRole({ email, role: next })}
            slotProps={{ select: { SelectDisplayProps: { "aria-label": `Role of ${email}` } } }}
          />
        );
        return (
          <TableRow key={email}>
            <TableCell>{own ? `${email} (you)` : email}</TableCell>
            <TableCell>{own ? role.toLowerCase() : picker}</TableCell>
            <TableCell align="right">
              {!own && (
                <Button size="small" color="error" onClick={() => onRemove(email)}>
                  Remove
                </Button>
              )}
            </TableCell>
          </TableRow>
        );
      })}
    </DataTable>
  );
}
