import { Button, Table, TableBody, TableCell, TableHead, TableRow } from "@mui/material";
import type { Role } from "../../gql/types";
import { RoleSelect } from "./RoleSelect";

interface Member {
  email: string;
  role: Role;
}

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
    <Table size="small" aria-label="Members">
      <TableHead>
        <TableRow>
          <TableCell>E-mail</TableCell>
          <TableCell>Role</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {members.map(({ email, role }) => {
          const own = email === self;
          const picker = (
            <RoleSelect
              size="small"
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
      </TableBody>
    </Table>
  );
}
