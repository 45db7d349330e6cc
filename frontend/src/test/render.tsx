import { ApolloClient, ApolloLink } from "@apollo/client";
import { ApolloProvider } from "@apollo/client/react";
import { MockLink, MockSubscriptionLink } from "@apollo/client/testing";
import { CssBaseline, ThemeProvider } from "@mui/material";
import { render } from "@testing-library/react";
import { OperationTypeNode } from "graphql";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { Shell } from "../App";
import { makeCache } from "../apollo/cache";
import { SessionContext } from "../features/auth/session";
import { UploadsProvider } from "../features/upload/UploadsProvider";
import type { MeFieldsFragment } from "../gql/types";
import { theme } from "../theme";

/** An Apollo client (the app's cache and type policies) answered by `mocks` only, for
 * rendering one component on its own. */
export function mockClient(mocks: ReadonlyArray<MockLink.MockedResponse>) {
  return new ApolloClient({
    link: new MockLink(mocks, { defaultOptions: { delay: 0 } }),
    cache: makeCache(),
  });
}

/** Who the rendered app is signed in as (the sign-in gate has its own test). */
export const EDITOR: MeFieldsFragment = {
  __typename: "Me",
  email: "ada@example.com",
  workspace: "acme",
  role: "EDITOR",
  workspaces: [{ __typename: "WorkspaceMembership", slug: "acme", role: "EDITOR" }],
};

/**
 * Renders the real app (router, cache with its type policies, providers) at a URL, signed in.
 * Only the network is fake: queries and mutations are answered by a MockLink (or
 * the given link), subscriptions by a MockSubscriptionLink the test drives.
 */
export function renderApp(
  path: string,
  {
    mocks = [],
    http,
    me = EDITOR,
  }: {
    mocks?: ReadonlyArray<MockLink.MockedResponse>;
    http?: ApolloLink;
    me?: MeFieldsFragment;
  } = {},
) {
  const subscriptions = new MockSubscriptionLink();
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    subscriptions,
    http ?? new MockLink(mocks, { defaultOptions: { delay: 0 } }),
  );
  const client = new ApolloClient({ link, cache: makeCache() });
  const ui: ReactElement = (
    <ApolloProvider client={client}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        <MemoryRouter initialEntries={[path]}>
          <SessionContext.Provider value={me}>
            <UploadsProvider>
              <Shell />
            </UploadsProvider>
          </SessionContext.Provider>
        </MemoryRouter>
      </ThemeProvider>
    </ApolloProvider>
  );
  return { ...render(ui), client, subscriptions };
}
