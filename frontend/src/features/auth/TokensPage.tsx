import {
  Alert,
  Button,
  MenuItem,
  Paper,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { type FormEvent, useState } from "react";
import { DataTable, type Column } from "../../components/DataTable";
import { ErrorNotice, Loading } from "../../components/States";
import { describeError } from "../../components/errors";
import type { Role } from "../../gql/types";
import { useApiTokens, useCreateToken, useRevokeToken } from "../../operations/apiTokens";
import { useSession } from "./session";

const ROLES: Role[] = ["VIEWER", "EDITOR", "ADMIN"];
const TOKEN_COLUMNS: Column[] = [
  { label: "Name" },
  { label: "Role" },
  { label: "Expires" },
  { label: "Last used" },
  { label: "" },
];

/** API tokens of the current workspace: create (shown once), list, revoke. Admins only. */
export function TokensPage() {
  const me = useSession();
  const { data, error, loading, refetch } = useApiTokens();
  const [create, { loading: creating }] = useCreateToken();
  const [revoke] = useRevokeToken();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("EDITOR");
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setCreated(null);
    try {
      const expiresInDays = days ? Number(days) : null;
      const { data: answer } = await create({ variables: { name, role, expiresInDays } });
      const result = answer?.createToken;
      if (result?.__typename === "CreatedToken") {
        setCreated(result.token);
        setName("");
      } else if (result?.__typename === "AuthRejected") setProblem(result.message);
    } catch (err) {
      setProblem(describeError(err));
    }
  }

  return (
    <Stack spacing={3}>
      <Typography variant="h4" component="h1">
        API tokens of {me.workspace}
      </Typography>
      <Typography color="text.secondary">
        A GraphQL client sends a token as <code>Authorization: Bearer &lt;token&gt;</code> (and, on
        a websocket, as <code>{'{"authorization": "Bearer <token>"}'}</code> in connection_init).
      </Typography>
      <Paper component="form" onSubmit={submit} sx={{ p: 2 }} aria-label="New token">
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} required />
          <TextField
            select
            label="Role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {r.toLowerCase()}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label="Expires in days"
            type="number"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            helperText="Empty: never"
          />
          <Button type="submit" variant="contained" disabled={creating}>
            Create token
          </Button>
        </Stack>
      </Paper>
      {problem && (
        <Alert severity="error" role="alert">
          {problem}
        </Alert>
      )}
      {created && (
        <Alert severity="success" role="status">
          Copy this token now; Sluice keeps only its hash:{" "}
          <code data-testid="new-token">{created}</code>
        </Alert>
      )}
      {loading && !data && <Loading label="Loading tokens…" />}
      {error && (
        <ErrorNotice
          title="Could not load the tokens"
          error={error}
          onRetry={() => void refetch()}
        />
      )}
      {data && (
        <DataTable label="Tokens" columns={TOKEN_COLUMNS}>
          {data.apiTokens.map((t) => (
            <TableRow key={t.id}>
              <TableCell>{t.name}</TableCell>
              <TableCell>{t.role.toLowerCase()}</TableCell>
              <TableCell>
                {t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : "never"}
              </TableCell>
              <TableCell>
                {t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}
              </TableCell>
              <TableCell align="right">
                {t.revokedAt ? (
                  "revoked"
                ) : (
                  <Button
                    size="small"
                    color="error"
                    onClick={() => void revoke({ variables: { id: t.id } })}
                  >
                    Revoke
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}
    </Stack>
  );
}
