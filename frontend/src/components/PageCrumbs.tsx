import { Breadcrumbs, Link, Typography } from "@mui/material";
import { Link as RouterLink } from "react-router";

/** The trail above a page about one thing: its list, then the thing itself. */
export function PageCrumbs({
  list,
  label,
  current,
}: {
  list: string;
  label: string;
  current: string;
}) {
  return (
    <Breadcrumbs aria-label="Breadcrumb">
      <Link component={RouterLink} to={list}>
        {label}
      </Link>
      <Typography color="text.primary" sx={{ overflowWrap: "anywhere" }}>
        {current}
      </Typography>
    </Breadcrumbs>
  );
}
