import { Alert, Button, Paper, Stack, TextField, Typography } from "@mui/material";
import { type FormEvent, useState } from "react";
import { describeError } from "../../components/errors";
import type { Role } from "../../gql/types";
import { useMembers } from "../../operations/members";
import { Loaded } from "./Loaded";
import { MembersTable } from "./MembersTable";
import { RoleSelect } from "./RoleSelect";
import { useSession } from "./session";

/** The members of the current workspace and their roles: add, change, remove. Admins only. */
export function MembersPage() {
  const me = useSession();
  const { members, setMember, saving, removeMember } = useMembers();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [problem, setProblem] = useState<string | null>(null);

  /** Runs a change; a refusal or a failure is shown above the list. True when it was done. */
  async function change(run: () => Promise<string | null>): Promise<boolean> {
    setProblem(null);
    const refusal = await run().catch(describeError);
    setProblem(refusal);
    return refusal === null;
  }

  const save = (member: { email: string; role: Role }) =>
    change(async () => {
      const { data } = await setMember({ variables: member });
      const result = data?.setMember;
      return result?.__typename === "AuthRejected" ? result.message : null;
    });
  const remove = (member: string) =>
    change(async () => {
      await removeMember({ variables: { email: member } });
      return null;
    });

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
          <RoleSelect label="Role" value={role} onChange={setRole} />
          <Button type="submit" variant="contained" disabled={saving}>
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
