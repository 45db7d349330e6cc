import { AppBar, Box, Button, Container, Toolbar, Typography } from "@mui/material";
import { Suspense, lazy } from "react";
import { NavLink, Route, Routes } from "react-router";
import { EmptyState, Loading } from "./components/States";
import { AuthGate } from "./features/auth/AuthGate";
import { MembersPage } from "./features/auth/MembersPage";
import { TokensPage } from "./features/auth/TokensPage";
import { WorkspaceMenu } from "./features/auth/WorkspaceMenu";
import { useSession } from "./features/auth/session";
import { DatasetsPage } from "./features/datasets/DatasetsPage";
import { TaskPage } from "./features/tasks/TaskPage";
import { TasksPage } from "./features/tasks/TasksPage";
import { UploadPage } from "./features/upload/UploadPage";

// The chart library only loads with a dashboard.
const DashboardPage = lazy(() => import("./features/datasets/DashboardPage"));

const NAV = [
  { to: "/", label: "Upload", end: true },
  { to: "/tasks", label: "Tasks", end: false },
  { to: "/datasets", label: "Datasets", end: false },
];
const ADMIN_NAV = [
  { to: "/members", label: "Members", end: false },
  { to: "/tokens", label: "Tokens", end: false },
];

export function App() {
  return (
    <AuthGate>
      <Shell />
    </AuthGate>
  );
}

/** The signed-in app: navigation, workspace menu and pages. */
export function Shell() {
  const me = useSession();
  const nav = me.role === "ADMIN" ? [...NAV, ...ADMIN_NAV] : NAV;
  return (
    <Box sx={{ minHeight: "100vh", bgcolor: "background.default" }}>
      <Box
        component="a"
        href="#main"
        sx={{
          position: "absolute",
          left: -9999,
          "&:focus": {
            left: 8,
            top: 8,
            zIndex: 2000,
            bgcolor: "background.paper",
            p: 1,
            borderRadius: 1,
          },
        }}
      >
        Skip to content
      </Box>
      <AppBar position="sticky" elevation={0}>
        {/* On a phone the links take a row of their own under the name and the workspace
            menu, so all five of an admin's fit without squeezing. */}
        <Toolbar
          sx={{
            gap: { xs: 1, sm: 3 },
            px: { xs: 1.5, sm: 3 },
            flexWrap: { xs: "wrap", sm: "nowrap" },
            rowGap: 0,
          }}
        >
          <Typography variant="h6" component="span" sx={{ fontWeight: 700, letterSpacing: 0.5 }}>
            Sluice
          </Typography>
          {/* If the links still do not fit, the nav scrolls on its own rather than widening
              the page. */}
          <Box
            component="nav"
            aria-label="Main"
            sx={{
              display: "flex",
              gap: { xs: 0, sm: 1 },
              minWidth: 0,
              overflowX: "auto",
              scrollbarWidth: "none",
              order: { xs: 3, sm: 0 },
              width: { xs: "100%", sm: "auto" },
              justifyContent: { xs: "space-between", sm: "flex-start" },
            }}
          >
            {nav.map((item) => (
              <Button
                key={item.to}
                component={NavLink}
                to={item.to}
                end={item.end}
                color="inherit"
                sx={{
                  opacity: 0.85,
                  minWidth: 0,
                  // Keep each label whole: squeezed, five admin links overlapped at 390 px
                  // and a tap could land on the neighbour; the nav scrolls instead.
                  flexShrink: 0,
                  whiteSpace: "nowrap",
                  px: { xs: 0.75, sm: 2 },
                  fontSize: { xs: "0.8125rem", sm: "0.875rem" },
                  "&.active": { opacity: 1, bgcolor: "rgba(255,255,255,0.16)" },
                  "&:focus-visible": { outline: "2px solid white" },
                }}
              >
                {item.label}
              </Button>
            ))}
          </Box>
          <WorkspaceMenu />
        </Toolbar>
      </AppBar>
      <Container
        component="main"
        id="main"
        maxWidth="lg"
        sx={{ py: { xs: 2, sm: 4 } }}
        tabIndex={-1}
      >
        <Suspense fallback={<Loading label="Loading…" />}>
          <Routes>
            <Route path="/" element={<UploadPage />} />
            <Route path="/tasks" element={<TasksPage />} />
            <Route path="/tasks/:id" element={<TaskPage />} />
            <Route path="/datasets" element={<DatasetsPage />} />
            <Route path="/datasets/:name" element={<DashboardPage />} />
            <Route path="/members" element={<MembersPage />} />
            <Route path="/tokens" element={<TokensPage />} />
            <Route
              path="*"
              element={
                <EmptyState title="Page not found" link={{ to: "/", label: "Go to Upload" }}>
                  This address does not match any page of Sluice.
                </EmptyState>
              }
            />
          </Routes>
        </Suspense>
      </Container>
    </Box>
  );
}
