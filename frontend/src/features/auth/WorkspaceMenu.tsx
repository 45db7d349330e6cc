import { Box, Button, MenuItem, TextField, Typography } from "@mui/material";
import { useSignOut } from "../../operations/signOut";
import { useSwitchWorkspace } from "../../operations/switchWorkspace";
import { reloadAs, useSession } from "./session";

/** The current workspace (a switcher when there are several), the role, and sign-out. */
export function WorkspaceMenu() {
  const me = useSession();
  const [switchTo, { loading: switching }] = useSwitchWorkspace();
  const [signOut, { loading: leaving }] = useSignOut();

  async function change(slug: string) {
    const { data } = await switchTo({ variables: { slug } });
    if (data?.switchWorkspace.__typename === "Me") reloadAs("/");
  }

  return (
    <Box sx={{ display: "flex", alignItems: "center", gap: 1, ml: "auto", flexShrink: 0 }}>
      {me.workspaces.length > 1 ? (
        <TextField
          select
          size="small"
          label="Workspace"
          value={me.workspace ?? ""}
          disabled={switching}
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
