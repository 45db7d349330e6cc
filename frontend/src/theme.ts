import { createTheme } from "@mui/material";

export const theme = createTheme({
  palette: {
    primary: { main: "#1565c0" },
    background: { default: "#f5f7fa" },
  },
  shape: { borderRadius: 8 },
  typography: {
    h4: { fontWeight: 600, fontSize: "1.75rem" },
    h5: { fontWeight: 600, fontSize: "1.25rem" },
    h6: { fontWeight: 600, fontSize: "1.05rem" },
  },
  components: {
    MuiCard: { defaultProps: { variant: "outlined" } },
    MuiButtonBase: { defaultProps: { disableRipple: false } },
  },
});
