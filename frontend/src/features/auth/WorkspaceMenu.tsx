import { Alert, Box, Button, MenuItem, Snackbar, TextField, Typography } from "@mui/material";
import { useSignOut } from "../../operations/signOut";
import { SWITCH_WORKSPACE } from "../../operations/switchWorkspace";
import { useAction } from "../../operations/useAction";
import { reloadAs, useSession } from "./session";

/** The current workspace (a switcher when there are several), the role, and sign-out. */
export function WorkspaceMenu() {
  const me = useSession();
  const switchTo = useAction(SWITCH_WORKSPACE, (data) => data.switchWorkspace);
  const [signOut, { loading: leaving }] = useSignOut();

  async function change(slug: string) {
    if (await switchTo.run({ slug })) reloadAs("/");
  }

  return (
    <Box sx={{ display: "flex", alignItems: "center", gap: 1, ml: "auto", flexShrink: 0 }}>
      {me.workspaces.length > 1 ? (
        <TextField
          select
          size="small"
          label="Workspace"
          value={me.workspace ?? ""}
          disabled={switchTo.loading}
          onChange={(e) => void change(e.target.value)}
          sx={{ minWidth: 140, "& .MuiInputBase-root": { bgcolor: "background.paper" } }}
        >
          {me.workspaces.map((w) => (
            <MenuItem key={w.slug} value={w.slug}>
              {w.slug} ({w.role.toLowerCase()})
            </MenuItem>
          ))}
        </TextField>
      ) : (
        <Typography
          variant="body2"
          aria-label="Workspace"
          sx={{ display: { xs: "none", sm: "block" } }}
        >
          {me.workspace ?? "no workspace"} · {me.role?.toLowerCase()}
        </Typography>
      )}
      <Snackbar open={switchTo.problem !== null}>
        <Alert severity="error" role="alert">
          Could not switch workspace: {switchTo.problem}
        </Alert>
      </Snackbar>
      {me.email && (
        <Button
          color="inherit"
          size="small"
          disabled={leaving}
          onClick={async () => {
            await signOut();
            reloadAs("/");
          }}
        >
          Sign out
        </Button>
      )}
    </Box>
  );
}
