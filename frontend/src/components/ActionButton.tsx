import { Button, type ButtonProps } from "@mui/material";

/** A button that starts an action and says so while it runs (and cannot be pressed twice). */
export function ActionButton({
  busy,
  busyLabel,
  children,
  ...button
}: Omit<ButtonProps, "disabled"> & { busy: boolean; busyLabel: string }) {
  return (
    <Button variant="outlined" color="inherit" disabled={busy} {...button}>
      {busy ? busyLabel : children}
    </Button>
  );
}
