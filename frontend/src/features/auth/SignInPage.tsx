import { Alert, Box, Button, Paper, Stack, TextField, Typography } from "@mui/material";
import { type FormEvent, useState } from "react";
import { describeError } from "../../components/errors";
import { useSignIn } from "../../operations/signIn";
import { reloadAs } from "./session";

export function SignInPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [signIn, { loading }] = useSignIn();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      const { data } = await signIn({ variables: { email, password } });
      const result = data?.signIn;
      if (result?.__typename === "Me") reloadAs(window.location.pathname);
      else if (result?.__typename === "AuthRejected") setProblem(result.message);
    } catch (error) {
      setProblem(describeError(error));
    }
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
          {problem && (
            <Alert severity="error" role="alert">
              {problem}
            </Alert>
          )}
          <TextField
            label="E-mail"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoFocus
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
          <Button type="submit" variant="contained" disabled={loading}>
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
