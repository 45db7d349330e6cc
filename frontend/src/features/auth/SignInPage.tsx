import { Alert, Box, Button, Paper, Stack, TextField, Typography } from "@mui/material";
import type { FormEvent } from "react";
import { SIGN_IN } from "../../operations/signIn";
import { useAction } from "../../operations/useAction";
import { reloadAs } from "./session";

/** The form's fields; the browser's password manager fills them by `autoComplete`. */
const FIELDS = [
  { name: "email", label: "E-mail", type: "email", autoComplete: "username", autoFocus: true },
  { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
] as const;

export function SignInPage() {
  const signIn = useAction(SIGN_IN, (data) => data.signIn);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const [email, password] = [form.get("email"), form.get("password")].map(String);
    if (await signIn.run({ email, password })) reloadAs(window.location.pathname);
  }

  return (
    <Box sx={{ display: "flex", justifyContent: "center", py: 6 }}>
      <Paper
        component="form"
        onSubmit={submit}
        sx={{ p: 4, width: "100%", maxWidth: 400 }}
        aria-label="Sign in"
      >
        <Stack spacing={2}>
          <Typography variant="h5" component="h1">
            Sign in to Sluice
          </Typography>
          {signIn.problem && (
            <Alert severity="error" role="alert">
              {signIn.problem}
            </Alert>
          )}
          {FIELDS.map((field) => (
            <TextField key={field.name} {...field} required />
          ))}
          <Button type="submit" variant="contained" disabled={signIn.loading}>
            Sign in
          </Button>
          <Typography variant="body2" color="text.secondary">
            The first time, `make run` prints the admin's e-mail and password. An administrator can
            create accounts with <code>sluice-admin create-user</code>.
          </Typography>
        </Stack>
      </Paper>
    </Box>
  );
}
