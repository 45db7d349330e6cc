import { Alert, Button, Paper, Stack, TextField, Typography } from "@mui/material";
import { type FormEvent, useState } from "react";
import { SelectField } from "../../components/SelectField";
import { describeError } from "../../components/errors";
import type { Role } from "../../gql/types";
import { useMembers } from "../../operations/members";
import { Loaded } from "./Loaded";
import { MembersTable } from "./MembersTable";
import { ROLE_CHOICES } from "./roles";
import { useSession } from "./session";

/** The members of the current workspace and their roles: add, change, remove. Admins only. */
export function MembersPage() {
  const me = useSession();
  const { members, setMember, removeMember } = useMembers();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [removal, setRemoval] = useState<string | null>(null);
  const problem = setMember.problem ?? removal;

  async function save(member: { email: string; role: Role }): Promise<boolean> {
    setRemoval(null);
    const saved = await setMember.run(member);
    if (saved) await members.refetch();
    return saved !== null;
  }

  async function remove(member: string) {
    setRemoval(null);
    await removeMember({ variables: { email: member } }).catch((error: unknown) =>
      setRemoval(describeError(error)),
    );
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    if (await save({ email, role })) setEmail("");
  }

  return (
    <Stack spacing={3}>
      <Typography variant="h4" component="h1">
        Members of {me.workspace}
      </Typography>
      <Typography color="text.secondary">
        Viewers read datasets, tasks and dashboards; editors also upload, retry, cancel and replace;
        admins also manage members and API tokens. An account must exist first (
        <code>sluice-admin create-user</code>).
      </Typography>
      <Paper component="form" onSubmit={add} sx={{ p: 2 }} aria-label="Add a member">
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <TextField
            label="E-mail"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
          <SelectField label="Role" choices={ROLE_CHOICES} value={role} onChange={setRole} />
          <Button type="submit" variant="contained" disabled={setMember.loading}>
            Add member
          </Button>
        </Stack>
      </Paper>
      {problem && <Alert severity="error">{problem}</Alert>}
      <Loaded query={members} what="members">
        {(data) => (
          <MembersTable
            members={data.members}
            self={me.email}
            onRole={(member) => void save(member)}
            onRemove={(member) => void remove(member)}
          />
        )}
      </Loaded>
    </Stack>
  );
}
